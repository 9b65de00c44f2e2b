/**
 * The training loop's options: how long, how fast and how often. Saved in checkpoints (`training`);
 * a resumed run keeps them, except `steps` (a resumed run may go further) and the `every`s.
 */

export interface TrainOptions {
  /** Total optimizer steps of the run (a resumed run counts from its checkpoint's step). */
  steps: number;
  /** Learning rate. */
  lr: number;
  /** Adam, or AdamW with decoupled weight decay. */
  optimizer: 'adam' | 'adamw';
  /** AdamW's weight decay (ignored by Adam). */
  weightDecay: number;
  /** Clip the global gradient norm to this; 0 = no clipping. */
  clip: number;
  /** `cosine` decays the learning rate to 0 at `steps`, after `warmup` linear warm-up steps. */
  schedule: 'constant' | 'cosine';
  warmup: number;
  /** Seeds the global generator before the model is built (initialisation, dropout). */
  seed: number;
  /** Periodic evaluation every this many steps; 0 = only the final one. */
  evalEvery: number;
  /** Save a checkpoint every this many steps; one is always saved at the end and when stopped. */
  checkpointEvery: number;
  /**
   * Stop with a DivergenceError, before the optimizer step, when the loss or the gradient norm is NaN
   * or infinite (default true), so the last checkpoint stays the last good one.
   */
  stopOnNonFinite?: boolean;
}

/** What is wrong with `o`, as a phrase naming the field (`lr = -1, expected a number >= 0`), or null. */
export function trainOptionsProblem(options: object): string | null {
  const o = options as Record<string, unknown>;
  const want = (ok: boolean, key: string, what: string) => (ok ? null : `${key} = ${JSON.stringify(o[key])}, expected ${what}`);
  const isInt = (k: string, min: number) => Number.isInteger(o[k]) && (o[k] as number) >= min;
  const isNum = (k: string, min: number) => typeof o[k] === 'number' && Number.isFinite(o[k]) && (o[k] as number) >= min;
  return (
    want(isInt('steps', 1), 'steps', 'an integer >= 1') ??
    want(isNum('lr', 0), 'lr', 'a number >= 0') ??
    want(o.optimizer === 'adam' || o.optimizer === 'adamw', 'optimizer', 'adam or adamw') ??
    want(isNum('weightDecay', 0), 'weightDecay', 'a number >= 0') ??
    want(isNum('clip', 0), 'clip', 'a number >= 0') ??
    want(o.schedule === 'constant' || o.schedule === 'cosine', 'schedule', 'constant or cosine') ??
    want(isInt('warmup', 0), 'warmup', 'an integer >= 0') ??
    want(Number.isInteger(o.seed), 'seed', 'an integer') ??
    want(isInt('evalEvery', 0), 'evalEvery', 'an integer >= 0') ??
    want(isInt('checkpointEvery', 1), 'checkpointEvery', 'an integer >= 1') ??
    want(o.stopOnNonFinite === undefined || typeof o.stopOnNonFinite === 'boolean', 'stopOnNonFinite', 'a boolean')
  );
}
