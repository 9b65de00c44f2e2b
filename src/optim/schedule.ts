/**
 * Learning-rate schedules (torch.optim.lr_scheduler): each sets `lr` of every parameter group of an
 * optimizer from the group's starting rate (`initialLr`) and the number of `step()` calls so far.
 *
 * As in PyTorch, constructing a schedule already applies its value at step 0, and `step()` is called
 * once per optimizer step (or epoch), after `optimizer.step()`.
 */
import type { GroupOptions, Optimizer } from './optimizer.js';

/** `stateDict()`'s result, JSON-serialisable. */
export interface SchedulerStateDict {
  lastEpoch: number;
  baseLrs: number[];
  lastLr: number[];
  /** The schedule's own settings (`stepSize`, `gamma`, `warmupSteps`, ...). */
  [setting: string]: number | number[];
}

/** Base class: subclasses give `lrs()` and call `start()` at the end of their constructor. */
export abstract class LRScheduler {
  /** The number of `step()` calls so far (PyTorch's `last_epoch`); 0 after construction. */
  lastEpoch: number;
  /** Each group's starting learning rate. */
  baseLrs: number[];
  private lastLr: number[] = [];

  /** `lastEpoch` ≥ 0 resumes a schedule; the groups must then have `initialLr` (set by an earlier one). */
  constructor(
    readonly optimizer: Optimizer<GroupOptions>,
    lastEpoch = -1,
  ) {
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new Error(`${this.constructor.name}: lastEpoch must be an integer ≥ -1, got ${lastEpoch}`);
    optimizer.paramGroups.forEach((g, i) => {
      if (lastEpoch === -1) g.initialLr ??= g.lr;
      else if (g.initialLr === undefined)
        throw new Error(`param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
    });
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
  }

  /** The first step (to lastEpoch + 1, usually 0); subclasses call it once their settings are set. */
  protected start(): void {
    this.step();
  }

  /** Each group's learning rate at `lastEpoch` (the group's current `lr` is the previous value). */
  protected abstract lrs(): number[];

  /** The schedule's own settings, for the state dict. */
  protected abstract settings(): Record<string, number>;

  /** Advances one step and writes the new learning rates into the optimizer's groups. */
  step(): void {
    this.lastEpoch++;
    const lrs = this.lrs();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]));
    this.lastLr = lrs;
  }

  /** The learning rates the last `step()` set, one per group. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): SchedulerStateDict {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs], lastLr: [...this.lastLr], ...this.settings() };
  }

  /** Restores a `stateDict()` result (the optimizer's own `lr`s come from its state dict). */
  loadStateDict(sd: SchedulerStateDict): void {
    const name = this.constructor.name;
    const groups = this.optimizer.paramGroups.length;
    if (!Number.isInteger(sd.lastEpoch)) throw new Error(`${name}.loadStateDict: lastEpoch must be an integer, got ${sd.lastEpoch}`);
    for (const k of ['baseLrs', 'lastLr'] as const)
      if (!Array.isArray(sd[k]) || sd[k].length !== groups)
        throw new Error(`${name}.loadStateDict: ${k} must hold ${groups} learning rates (one per group), got ${JSON.stringify(sd[k])}`);
    const settings = this.settings();
    for (const k of Object.keys(settings))
      if (typeof sd[k] !== 'number') throw new Error(`${name}.loadStateDict: setting ${k} must be a number, got ${JSON.stringify(sd[k])}`);
    this.lastEpoch = sd.lastEpoch;
    this.baseLrs = [...sd.baseLrs];
    this.lastLr = [...sd.lastLr];
    this.restore(Object.fromEntries(Object.keys(settings).map((k) => [k, sd[k] as number])));
  }

  /** Sets the schedule's own settings from a state dict. */
  protected abstract restore(settings: Record<string, number>): void;
}

/**
 * Multiplies the learning rate by `gamma` every `stepSize` steps (torch.optim.lr_scheduler.StepLR):
 * lr = initialLr · gamma^⌊epoch / stepSize⌋, applied as PyTorch does, by multiplying the current lr.
 *
 * @example
 *   const sched = new StepLR(opt, 30, 0.1); // lr 0.1 for epochs 0-29, 0.01 for 30-59, ...
 *   for (...) { train(); opt.step(); sched.step(); }
 */
export class StepLR extends LRScheduler {
  constructor(
    optimizer: Optimizer<GroupOptions>,
    public stepSize: number,
    public gamma = 0.1,
    lastEpoch = -1,
  ) {
    super(optimizer, lastEpoch);
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new Error(`StepLR: stepSize must be a positive integer, got ${stepSize}`);
    if (!Number.isFinite(gamma)) throw new Error(`StepLR: gamma must be a finite number, got ${gamma}`);
    this.start();
  }

  protected lrs(): number[] {
    const lrs = this.optimizer.paramGroups.map((g) => g.lr);
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return lrs;
    return lrs.map((lr) => lr * this.gamma);
  }

  protected settings(): Record<string, number> {
    return { stepSize: this.stepSize, gamma: this.gamma };
  }

  protected restore(s: Record<string, number>): void {
    this.stepSize = s.stepSize;
    this.gamma = s.gamma;
  }
}

export interface CosineWithWarmupOptions {
  /** Steps of linear warm-up from 0 to the group's lr. */
  warmupSteps: number;
  /** The step at which the cosine reaches `minLr` (it stays there after). */
  totalSteps: number;
  /** The final learning rate (default 0). */
  minLr?: number;
}

/**
 * Linear warm-up from 0, then a half cosine down to `minLr`, for step t and base rate lr₀:
 *
 *   lr = lr₀ · t / warmupSteps                                        t < warmupSteps
 *   lr = minLr + (lr₀ − minLr) · ½(1 + cos(π · min(1, (t − warmupSteps) / (totalSteps − warmupSteps))))
 *
 * @example
 *   const sched = new CosineWithWarmup(opt, { warmupSteps: 100, totalSteps: 5000, minLr: 1e-5 });
 *   for (let it = 0; it < 5000; it++) { ...; opt.step(); sched.step(); }
 */
export class CosineWithWarmup extends LRScheduler {
  warmupSteps: number;
  totalSteps: number;
  minLr: number;

  constructor(optimizer: Optimizer<GroupOptions>, options: CosineWithWarmupOptions, lastEpoch = -1) {
    super(optimizer, lastEpoch);
    const { warmupSteps, totalSteps, minLr = 0 } = options;
    if (!Number.isInteger(warmupSteps) || warmupSteps < 0)
      throw new Error(`CosineWithWarmup: warmupSteps must be a non-negative integer, got ${warmupSteps}`);
    if (!Number.isInteger(totalSteps) || totalSteps < warmupSteps || totalSteps < 1)
      throw new Error(`CosineWithWarmup: totalSteps must be a positive integer ≥ warmupSteps (${warmupSteps}), got ${totalSteps}`);
    if (!(minLr >= 0)) throw new Error(`CosineWithWarmup: minLr must be ≥ 0, got ${minLr}`);
    this.warmupSteps = warmupSteps;
    this.totalSteps = totalSteps;
    this.minLr = minLr;
    this.start();
  }

  protected lrs(): number[] {
    const t = this.lastEpoch;
    const { warmupSteps: w, totalSteps: n, minLr } = this;
    return this.baseLrs.map((base) => {
      if (t < w) return (base * t) / w;
      const progress = n > w ? Math.min(1, (t - w) / (n - w)) : 1;
      return minLr + (base - minLr) * 0.5 * (1 + Math.cos(Math.PI * progress));
    });
  }

  protected settings(): Record<string, number> {
    return { warmupSteps: this.warmupSteps, totalSteps: this.totalSteps, minLr: this.minLr };
  }

  protected restore(s: Record<string, number>): void {
    this.warmupSteps = s.warmupSteps;
    this.totalSteps = s.totalSteps;
    this.minLr = s.minLr;
  }
}

/**
 * lr = initialLr · lrLambda(epoch), one function for all groups or one per group
 * (torch.optim.lr_scheduler.LambdaLR). The functions are not part of the state dict.
 *
 * @example
 *   const sched = new LambdaLR(opt, (epoch) => 0.95 ** epoch);
 */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[];

  constructor(optimizer: Optimizer<GroupOptions>, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], lastEpoch = -1) {
    super(optimizer, lastEpoch);
    const groups = optimizer.paramGroups.length;
    if (Array.isArray(lrLambda)) {
      if (lrLambda.length !== groups)
        throw new Error(`LambdaLR: expected ${groups} lrLambdas (one per parameter group), but got ${lrLambda.length}`);
      this.lambdas = [...lrLambda];
    } else this.lambdas = Array.from({ length: groups }, () => lrLambda);
    this.start();
  }

  protected lrs(): number[] {
    return this.baseLrs.map((base, i) => base * this.lambdas[i](this.lastEpoch));
  }

  protected settings(): Record<string, number> {
    return {};
  }

  protected restore(): void {}
}
