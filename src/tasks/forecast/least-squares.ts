/**
 * Linear least squares on data-preparation arrays (float64): the normal equations solved by Cholesky,
 *
 *   w = argmin ‖X w - y‖² + λ‖w‖²   =>   (XᵀX + λI) w = Xᵀy,   XᵀX + λI = L Lᵀ
 *
 * X is (n, d) row-major. The d x d system is tiny (d = p + 1 + covariates), so this is data prep, not a
 * hot loop of the engine. A singular system (a constant column, too few rows) throws a RangeError.
 *
 * @example
 *   const w = leastSquares(X, y, d);   // Float64Array(d)
 */
export function leastSquares(X: ArrayLike<number>, y: ArrayLike<number>, d: number, ridge = 0): Float64Array {
  const n = y.length;
  if (X.length !== n * d) throw new RangeError(`leastSquares: X has ${X.length} values, expected ${n} x ${d}`);
  const A = new Float64Array(d * d);
  const b = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const o = r * d;
    for (let i = 0; i < d; i++) {
      const xi = X[o + i];
      b[i] += xi * y[r];
      for (let j = 0; j <= i; j++) A[i * d + j] += xi * X[o + j];
    }
  }
  for (let i = 0; i < d; i++) {
    A[i * d + i] += ridge;
    for (let j = 0; j < i; j++) A[j * d + i] = A[i * d + j];
  }
  return choleskySolve(A, b, d);
}

/** Solves A w = b for a symmetric positive definite A (d x d, row-major). */
export function choleskySolve(A: Float64Array, b: Float64Array, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * d + j];
      for (let k = 0; k < j; k++) s -= L[i * d + k] * L[j * d + k];
      if (i === j) {
        if (!(s > 1e-12 * Math.max(1, Math.abs(A[i * d + i])))) throw new RangeError(`leastSquares: the system is singular (pivot ${i} is ${s}); a feature may be constant or the data too short`);
        L[i * d + i] = Math.sqrt(s);
      } else L[i * d + j] = s / L[j * d + j];
    }
  const z = new Float64Array(d); // L z = b
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * d + k] * z[k];
    z[i] = s / L[i * d + i];
  }
  const w = new Float64Array(d); // Lᵀ w = z
  for (let i = d - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < d; k++) s -= L[k * d + i] * w[k];
    w[i] = s / L[i * d + i];
  }
  return w;
}
