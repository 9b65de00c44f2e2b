// AssemblyScript, not TypeScript: shared by the kernel files (this folder is not an entry of the build).
//
// float32 lanes widened to float64 and back, for kernels whose reference computes in float64 and rounds
// once (BatchNorm, the bias gradient): four f32 lanes are two f64x2 halves, low lanes 0 1 and high 2 3.

/** Lanes 0 and 1 of an f32x4 as f64x2. */
// @ts-ignore: decorator
@inline
export function widenLow(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2 and 3 of an f32x4 as f64x2. */
// @ts-ignore: decorator
@inline
export function widenHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 0, 1));
}

/** Two f64x2 halves rounded to one f32x4 (lo in lanes 0 1, hi in 2 3), rounding to nearest as a Float32Array store. */
// @ts-ignore: decorator
@inline
export function narrow(lo: v128, hi: v128): v128 {
  return f32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
}

/** The sum of both lanes of an f64x2. */
// @ts-ignore: decorator
@inline
export function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}
