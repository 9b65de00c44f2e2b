// AssemblyScript, not TypeScript: shared by the kernel files (this folder is not an entry of the build).
//
// Vector math on f32x4: exp, tanh, sigmoid, erf and the GELU pair, accurate to a few float32 ulps
// (the reference computes in float64 and rounds once). exp is Cephes' expf: x = n ln2 + r with
// |r| <= ln2/2, a degree-6 polynomial for e^r, and 2^n built in the exponent bits. tanh is Cephes'
// tanhf: an odd polynomial below |x| = 0.625, 1 - 2/(e^2|x| + 1) above. erf is the Numerical Recipes
// erfc fit the reference uses.
//
// Every helper is inlined. Tails (n % 4 elements) go through the same vector code, loaded lane by lane.
// The polynomials' multiply-adds are fused in the relaxed build (fma.ts).

import { fmadd } from './fma';

// @ts-ignore: decorator
@inline
export function splat(x: f32): v128 {
  return f32x4.splat(x);
}

/** a * b + c, the step of the polynomials' Horner schemes (fused in the relaxed build). */
// @ts-ignore: decorator
@inline
function madd(a: v128, b: v128, c: f32): v128 {
  return fmadd(a, b, f32x4.splat(c));
}

/** e^x; 0 below -87.34 (the normal range), +inf above 88.37, NaN stays NaN. */
// @ts-ignore: decorator
@inline
export function vexp(x: v128): v128 {
  const lo = f32x4.splat(-87.3365478515625);
  const hi = f32x4.splat(88.37);
  // pmin/pmax are single instructions (min/max with NaN semantics are not) and keep a NaN x
  const xc = f32x4.pmax(f32x4.pmin(x, hi), lo);
  // n = round(x / ln 2) by the 1.5 * 2^23 trick: t's low mantissa bits hold n as an integer
  const magic = f32x4.splat(12582912.0);
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(1.44269504088896341)), magic);
  const n = f32x4.sub(t, magic);
  let r = f32x4.sub(xc, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(-2.12194440e-4)));
  let p = madd(f32x4.splat(1.9875691500e-4), r, 1.3981999507e-3);
  p = madd(p, r, 8.3334519073e-3);
  p = madd(p, r, 4.1665795894e-2);
  p = madd(p, r, 1.6666665459e-1);
  p = madd(p, r, 5.0000001201e-1);
  const r2 = f32x4.mul(r, r);
  let y = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f32x4.splat(1));
  // 2^n: (n + 127) << 23, with n = bits(t) - bits(magic)
  const e = i32x4.shl(i32x4.add(t, i32x4.splat(127 - 0x4b400000)), 23);
  y = f32x4.mul(y, e);
  y = v128.andnot(y, f32x4.lt(x, lo));
  return v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, hi));
}

/** ln x (Cephes' logf): NaN below 0, -inf at 0, +inf at +inf. */
// @ts-ignore: decorator
@inline
export function vlog(x: v128): v128 {
  // x = m 2^e with m in [sqrt(1/2), sqrt(2))
  const bits = v128.and(x, i32x4.splat(0x7fffffff));
  let e = i32x4.sub(i32x4.shr_s(bits, 23), i32x4.splat(126));
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000)); // in [0.5, 1)
  const small = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  e = i32x4.sub(e, v128.and(small, i32x4.splat(1)));
  m = f32x4.sub(f32x4.add(m, v128.and(m, small)), f32x4.splat(1));
  const fe = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let p = madd(f32x4.splat(7.0376836292e-2), m, -1.1514610310e-1);
  p = madd(p, m, 1.1676998740e-1);
  p = madd(p, m, -1.2420140846e-1);
  p = madd(p, m, 1.4249322787e-1);
  p = madd(p, m, -1.6668057665e-1);
  p = madd(p, m, 2.0000714765e-1);
  p = madd(p, m, -2.4999993993e-1);
  p = madd(p, m, 3.3333331174e-1);
  let y = f32x4.mul(f32x4.mul(p, z), m);
  y = f32x4.add(y, f32x4.mul(fe, f32x4.splat(-2.12194440e-4)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  y = f32x4.add(f32x4.add(m, y), f32x4.mul(fe, f32x4.splat(0.693359375)));
  // the special values
  y = v128.bitselect(f32x4.splat(-Infinity), y, f32x4.eq(x, f32x4.splat(0)));
  y = v128.bitselect(x, y, f32x4.eq(x, f32x4.splat(Infinity)));
  return v128.bitselect(f32x4.splat(NaN), y, v128.or(f32x4.lt(x, f32x4.splat(0)), f32x4.ne(x, x)));
}

/** tanh x. */
// @ts-ignore: decorator
@inline
export function vtanh(x: v128): v128 {
  const ax = f32x4.abs(x);
  // |x| >= 0.625: 1 - 2 / (e^(2|x|) + 1), with the sign of x
  const big = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(vexp(f32x4.add(ax, ax)), f32x4.splat(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  // |x| < 0.625: x + x^3 P(x^2)
  const z = f32x4.mul(x, x);
  let p = madd(f32x4.splat(-5.70498872745e-3), z, 2.06390887954e-2);
  p = madd(p, z, -5.37397155531e-2);
  p = madd(p, z, 1.33314422036e-1);
  p = madd(p, z, -3.33332819422e-1);
  const small = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  return v128.bitselect(small, signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

/** 1 / (1 + e^-x). */
// @ts-ignore: decorator
@inline
export function vsigmoid(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), vexp(f32x4.neg(x))));
}

/** erf x, |error| < 1.2e-7 (as the reference's erf). */
// @ts-ignore: decorator
@inline
export function verf(x: v128): v128 {
  const z = f32x4.abs(x);
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(0.5), z)));
  let p = madd(f32x4.splat(0.17087277), t, -0.82215223);
  p = madd(p, t, 1.48851587);
  p = madd(p, t, -1.13520398);
  p = madd(p, t, 0.27886807);
  p = madd(p, t, -0.18628806);
  p = madd(p, t, 0.09678418);
  p = madd(p, t, 0.37409196);
  p = madd(p, t, 1.00002368);
  p = madd(p, t, -1.26551223);
  const r = f32x4.mul(t, vexp(f32x4.sub(p, f32x4.mul(z, z))));
  const pos = f32x4.sub(f32x4.splat(1), r);
  return v128.bitselect(pos, f32x4.neg(pos), f32x4.ge(x, f32x4.splat(0)));
}

/** GELU, x Phi(x) = x/2 (1 + erf(x / sqrt 2)). */
// @ts-ignore: decorator
@inline
export function vgelu(x: v128): v128 {
  const phi = f32x4.add(f32x4.splat(1), verf(f32x4.mul(x, f32x4.splat(0.7071067811865476))));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), phi);
}

/** d GELU / dx = Phi(x) + x phi(x). */
// @ts-ignore: decorator
@inline
export function vgeluGrad(x: v128): v128 {
  const cdf = f32x4.mul(f32x4.splat(0.5), f32x4.add(f32x4.splat(1), verf(f32x4.mul(x, f32x4.splat(0.7071067811865476)))));
  const pdf = f32x4.mul(vexp(f32x4.mul(f32x4.mul(x, x), f32x4.splat(-0.5))), f32x4.splat(0.3989422804014327));
  return f32x4.add(cdf, f32x4.mul(x, pdf));
}

/** Loads k (1..3) floats at p into the low lanes, zeros above. */
// @ts-ignore: decorator
@inline
export function loadTail(p: usize, k: i32): v128 {
  let v = v128.load32_zero(p);
  if (k > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (k > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores the low k (1..3) lanes of v at p. */
// @ts-ignore: decorator
@inline
export function storeTail(p: usize, v: v128, k: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (k > 1) store<f32>(p, f32x4.extract_lane(v, 1), 4);
  if (k > 2) store<f32>(p, f32x4.extract_lane(v, 2), 8);
}

/** Loads min(k, 4) floats at p: a full vector when k >= 4, else the tail (zeros above). */
// @ts-ignore: decorator
@inline
export function loadUpTo4(p: usize, k: i32): v128 {
  return k >= 4 ? v128.load(p) : loadTail(p, k);
}

/** Stores the low min(k, 4) lanes of v at p. */
// @ts-ignore: decorator
@inline
export function storeUpTo4(p: usize, v: v128, k: i32): void {
  if (k >= 4) v128.store(p, v);
  else storeTail(p, v, k);
}

/** The sum of the four lanes. */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  const s = f32x4.add(v, f32x4.shuffle(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** The largest of the four lanes (NaN if any is NaN). */
// @ts-ignore: decorator
@inline
export function hmax(v: v128): f32 {
  const s = f32x4.max(v, f32x4.shuffle(v, v, 2, 3, 0, 1));
  return max<f32>(f32x4.extract_lane(s, 0), f32x4.extract_lane(s, 1));
}
