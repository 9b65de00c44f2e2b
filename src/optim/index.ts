/** Optimizers, gradient clipping and learning-rate schedules. */
export { Optimizer, flat, check } from './optimizer.js';
export type { GroupOptions, ParamGroup, ParamsArg, GroupSpec, ParamState, OptimizerJson, OptimizerStateDict } from './optimizer.js';
export { SGD, sgdUpdate, type SGDOptions } from './sgd.js';
export { Adam, AdamW, adamUpdate, type AdamOptions } from './adam.js';
export { RMSprop, rmspropUpdate, type RMSpropOptions } from './rmsprop.js';
export { clipGradNorm, clipGradValue, scaleInPlace, clampInPlace } from './clip.js';
export { LRScheduler, StepLR, CosineWithWarmup, LambdaLR } from './schedule.js';
export type { SchedulerStateDict, CosineWithWarmupOptions } from './schedule.js';
