// AssemblyScript, not TypeScript: compiled to dist/wasm/loom.wasm by scripts/build-wasm.mjs.
//
// Random fills from src/core/random.ts's xoshiro128** generator: dropout masks and uniform
// initialisation (the reference backend's `dropoutMask` and `uniform`, src/backends/reference-random.ts).
// `state` is the byte address of the generator's four u32 words; they are advanced in place, draw by
// draw in order, so the integer stream, the uniforms u = (next >>> 8) / 2^24 and the state left behind
// are exactly the TypeScript generator's. One thread: every draw depends on the one before.

// @ts-ignore: decorator
@inline
function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

// The generator's words while a kernel draws (each worker instance has its own).
let s0: u32 = 0, s1: u32 = 0, s2: u32 = 0, s3: u32 = 0;

// @ts-ignore: decorator
@inline
function begin(state: usize): void {
  s0 = load<u32>(state);
  s1 = load<u32>(state, 4);
  s2 = load<u32>(state, 8);
  s3 = load<u32>(state, 12);
}

// @ts-ignore: decorator
@inline
function finish(state: usize): void {
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

/** The next uniform in [0, 1) with 24 random bits: Generator.uniform. */
// @ts-ignore: decorator
@inline
function nextUniform(): f64 {
  const r = rotl(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl(s3, 11);
  return <f64>(r >>> 8) / 16777216.0;
}

/**
 * mask[i] = u_i < threshold ? below : above; with y != 0, also y[i] = x[i] * that value (in float64,
 * rounded once), for i < n.
 */
export function dropoutMask(mask: usize, n: i32, threshold: f64, below: f64, above: f64, x: usize, y: usize, state: usize): void {
  begin(state);
  for (let i = 0; i < n; i++) {
    const m = nextUniform() < threshold ? below : above;
    const o = <usize>i << 2;
    store<f32>(mask + o, <f32>m);
    if (y != 0) store<f32>(y + o, <f32>(<f64>load<f32>(x + o) * m));
  }
  finish(state);
}

/** out[i] = a + (b - a) u_i (in float64, rounded once) for i < n. */
export function uniformFill(out: usize, n: i32, a: f64, b: f64, state: usize): void {
  begin(state);
  const span = b - a;
  for (let i = 0; i < n; i++) {
    store<f32>(out + (<usize>i << 2), <f32>(a + span * (nextUniform())));
  }
  finish(state);
}
