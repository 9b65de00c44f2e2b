/**
 * Language-modelling batches from a token stream. A batch is `x`, `B` windows of `T` tokens, and `y`,
 * the same windows shifted one token ahead: the model reads `x[b, t]` and predicts `y[b, t]`.
 * Both are flat row-major `(B, T)` Int32Arrays: `x[b * T + t]`.
 */

/** One batch: inputs `x` and next-token targets `y`, each `(B, T)` row-major. */
export interface Batch {
  x: Int32Array;
  y: Int32Array;
}

function checkSize(who: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${who}: ${name} must be a positive integer, got ${value}`);
}

/**
 * `batch` windows at independent random offsets, for training on shuffled data:
 *
 *   s_b = floor(uniform() * (N - T)),  so s_b in [0, N - T - 1]
 *   x[b, t] = ids[s_b + t],  y[b, t] = ids[s_b + t + 1]
 *
 * `uniform` must return numbers in [0, 1); pass a seeded generator for reproducible runs.
 *
 * @example
 * const { x, y } = randomWindows(train, 32, 128, rng.uniform); // x, y: (32, 128)
 */
export function randomWindows(ids: Int32Array, batch: number, seq: number, uniform: () => number): Batch {
  checkSize('randomWindows', 'batch', batch);
  checkSize('randomWindows', 'seq', seq);
  if (ids.length < seq + 1) {
    throw new Error(`randomWindows: text of ${ids.length} tokens is too short for seq ${seq} (need at least ${seq + 1})`);
  }
  const starts = ids.length - seq; // number of valid window starts
  const x = new Int32Array(batch * seq); // (B, T)
  const y = new Int32Array(batch * seq); // (B, T)
  for (let b = 0; b < batch; b++) {
    const u = uniform();
    if (!(u >= 0 && u < 1)) throw new Error(`randomWindows: uniform() must return a number in [0, 1), got ${u}`);
    const s = Math.floor(u * starts);
    x.set(ids.subarray(s, s + seq), b * seq);
    y.set(ids.subarray(s + 1, s + seq + 1), b * seq);
  }
  return { x, y };
}

/**
 * Sequential batches for truncated backpropagation through time. The stream is cut into `batch`
 * contiguous lanes of `L = floor(N / B)` tokens (lane b is `ids[b*L .. (b+1)*L)`), and each call to
 * `next()` walks every lane `seq` tokens further, so row b of one batch continues row b of the
 * previous one and the hidden state can be carried across calls:
 *
 *   x[b, t] = ids[b*L + p*T + t],  y[b, t] = ids[b*L + p*T + t + 1],  p = position
 *
 * An epoch is `stepsPerEpoch = floor((L - 1) / T)` batches; the last `N mod B` tokens of the stream
 * and the last `(L - 1) mod T` tokens of each lane are not used. After the last batch the walk wraps
 * to the start, and `reset` is true on every batch that starts a pass over the lanes (the first one
 * too): the caller zeroes the hidden state then.
 *
 * `position` (the index of the next batch, `0 .. stepsPerEpoch-1`) is all the state there is: save it
 * with a checkpoint and assign it to resume.
 *
 * @example
 * const stream = new StreamBatcher(train, 32, 64);
 * const { x, y, reset } = stream.next(); // x, y: (32, 64)
 * if (reset) state = model.zeroState(32);
 */
export class StreamBatcher {
  readonly batch: number;
  readonly seq: number;
  /** Tokens per lane, `L`. */
  readonly laneLength: number;
  /** Batches in one pass over the lanes. */
  readonly stepsPerEpoch: number;
  private readonly ids: Int32Array;
  private step = 0;

  constructor(ids: Int32Array, batch: number, seq: number) {
    checkSize('StreamBatcher', 'batch', batch);
    checkSize('StreamBatcher', 'seq', seq);
    const laneLength = Math.floor(ids.length / batch);
    if (laneLength < seq + 1) {
      throw new Error(
        `StreamBatcher: text of ${ids.length} tokens in ${batch} lanes gives ${laneLength} tokens per lane, ` +
          `too short for seq ${seq} (need at least ${seq + 1})`,
      );
    }
    this.ids = ids;
    this.batch = batch;
    this.seq = seq;
    this.laneLength = laneLength;
    this.stepsPerEpoch = Math.floor((laneLength - 1) / seq);
  }

  /** The index of the next batch in the current pass, `0 .. stepsPerEpoch-1`. */
  get position(): number {
    return this.step;
  }

  set position(p: number) {
    if (!Number.isInteger(p) || p < 0 || p >= this.stepsPerEpoch) {
      throw new Error(`StreamBatcher: position must be an integer in [0, ${this.stepsPerEpoch}), got ${p}`);
    }
    this.step = p;
  }

  /** The next `(B, T)` batch; `reset` is true when it starts a new pass over the lanes. */
  next(): Batch & { reset: boolean } {
    const { batch, seq, laneLength, ids } = this;
    const reset = this.step === 0;
    const offset = this.step * seq;
    const x = new Int32Array(batch * seq); // (B, T)
    const y = new Int32Array(batch * seq); // (B, T)
    for (let b = 0; b < batch; b++) {
      const s = b * laneLength + offset;
      x.set(ids.subarray(s, s + seq), b * seq);
      y.set(ids.subarray(s + 1, s + seq + 1), b * seq);
    }
    this.step = (this.step + 1) % this.stepsPerEpoch;
    return { x, y, reset };
  }
}
