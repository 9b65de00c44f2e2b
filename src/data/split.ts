/**
 * Splits a token stream into a training part (the first `trainFraction` of it) and a validation part
 * (the rest). Both are `subarray` views of `ids`: no copy, and the two never overlap.
 *
 * @example
 * const { train, val } = trainValSplit(vocab.encode(text)); // 90% / 10%
 */
export function trainValSplit(ids: Int32Array, trainFraction = 0.9): { train: Int32Array; val: Int32Array } {
  if (!(trainFraction > 0 && trainFraction < 1)) {
    throw new Error(`trainValSplit: trainFraction must be in (0, 1), got ${trainFraction}`);
  }
  const n = Math.floor(ids.length * trainFraction);
  // n < ids.length always holds for trainFraction < 1, so only the training part can come out empty
  if (n === 0) {
    throw new Error(`trainValSplit: ${ids.length} tokens split at trainFraction ${trainFraction} leave an empty training set`);
  }
  return { train: ids.subarray(0, n), val: ids.subarray(n) };
}
