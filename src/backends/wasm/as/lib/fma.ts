// AssemblyScript, not TypeScript: shared by the kernel files (this folder is not an entry of the build).
//
// The one place where the two builds of the kernels differ (scripts/build-wasm.mjs): the multiply-add.
// In loom-relaxed.wasm (`--enable relaxed-simd`) it is relaxed SIMD's f32x4.relaxed_madd, one fused
// multiply-add where the machine has one (a single rounding of a * b + c), else a multiply and an add;
// in loom.wasm (plain SIMD) it is a multiply, then an add, each rounded, exactly as the kernels were
// written before the relaxed build existed. ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so
// each build holds only its own branch.

/** a * b + c, fused in the relaxed build. */
// @ts-ignore: decorator
@inline
export function fmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** acc + a * b, fused in the relaxed build (the plain build adds in this order: acc first). */
// @ts-ignore: decorator
@inline
export function fmacc(acc: v128, a: v128, b: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}
