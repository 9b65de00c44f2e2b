// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// The unary ops whose reference is a float64 library function, computed the reference's way: each f32
// input widened to f64, the same formula, one rounding to f32. sign; elu, x > 0 ? x : expm1(x); log1p.
// AssemblyScript's expm1 and log1p are ports of the same fdlibm routines as V8's Math.expm1 and
// Math.log1p; scripts/check-unary-f64.mjs compares them over every f32 input.
//
// Op codes: those of `unary` (elementwise.ts).

const SIGN: i32 = 12, ELU: i32 = 15;

// @ts-ignore: decorator
@inline
function op64(op: i32, x: f64): f64 {
  if (op == SIGN) return x > 0 ? 1 : x < 0 ? -1 : x; // Math.sign: 0, -0 and NaN pass through
  if (op == ELU) return x > 0 ? x : Math.expm1(x);
  return Math.log1p(x); // LOG1P
}

// @ts-ignore: decorator
@inline
function grad64(op: i32, x: f64, y: f64): f64 {
  if (op == SIGN) return 0;
  if (op == ELU) return x > 0 ? 1 : y + 1;
  return 1 / (1 + x); // LOG1P
}

/** y[i] = op(x[i]) for i in [start, end). */
export function unaryF64(start: i32, end: i32, part: i32, op: i32, x: usize, y: usize): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, <f32>op64(op, <f64>load<f32>(x + o)));
  }
}

/** dx[i] = dy[i] * op'(x[i]) (in float64, rounded once) for i in [start, end). */
export function unaryF64Backward(start: i32, end: i32, part: i32, op: i32, x: usize, y: usize, dy: usize, dx: usize): void {
  for (let i = start; i < end; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, <f32>(<f64>load<f32>(dy + o) * grad64(op, <f64>load<f32>(x + o), <f64>load<f32>(y + o))));
  }
}
