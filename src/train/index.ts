/** The library's training loop, the Task interface it trains, and where a run is stored. */
export { train, initialCheckpoint, DivergenceError, RunOutOfMemoryError, type ProgressEvent, type TrainContext, type TrainResult } from './loop.js';
export { trainOptionsProblem, type TrainOptions } from './options.js';
export { MemoryRunStorage, RunStorageError, type Awaitable, type MetricsRecord, type RunStorage } from './storage.js';
export type { Evaluation, ModelDescription, Task, TaskFiles } from './task.js';
