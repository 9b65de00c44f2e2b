/**
 * What a task gives the training loop (loop.ts): everything that differs between, say, a character
 * language model and an image classifier. The loop owns the steps, the optimizer and its schedule,
 * clipping, evaluation times, metrics, checkpoints, resumption and stopping; the task owns the data,
 * the model, the loss and what its metrics and samples mean.
 *
 * One task object serves one run: it holds its data and, once `createModel` has been called, its model.
 *
 * @example
 *   const task = new CharLMTask({ text, config, model: 'lstm', modelConfig: findModel('lstm')!.defaults, seed: 0 });
 *   await train(task, options, { storage });
 */
import type { Tensor } from '../core/tensor.js';
import type { Module } from '../nn/module.js';

/** What a checkpoint records so that the model can be rebuilt without the task's data. */
export interface ModelDescription {
  /** The task's name of the model (`lstm`, `gpt`, ...). */
  name: string;
  /** Its config, JSON (the task's factory builds the model from it). */
  config: Record<string, unknown>;
  /** The vocabulary or tokenizer, JSON. */
  vocab?: unknown;
}

/** The result of an evaluation: numbers for metrics.jsonl, and a sentence for people. */
export interface Evaluation {
  /** By metric name, e.g. `{ val_loss: 1.83 }`. */
  metrics: Record<string, number>;
  /** e.g. `validation loss 1.8302 (20 batches)`. */
  summary: string;
}

/** The task's tensor files in a checkpoint being restored. */
export interface TaskFiles {
  /** The tensors of the file `name`, or null when the checkpoint has none. */
  read(name: string): Map<string, Tensor> | null;
  /** Where the file `name` is, for error messages. */
  where(name: string): string;
}

/**
 * A training task. `Config` is its settings (JSON, saved in checkpoints as `taskConfig`), `Batch` one
 * training batch, `State` its resumable state between steps (JSON, saved as `taskState`).
 */
export interface Task<Config, Batch, State> {
  /** The task's name, saved in checkpoints (`char-lm`). */
  readonly name: string;
  readonly config: Config;
  /** What the throughput counts, plural (`tokens`): metrics.jsonl has `<unit>_per_s`. */
  readonly unit: string;
  /** The model's name, config and vocabulary, saved in checkpoints. */
  describeModel(): ModelDescription;
  /** Builds the model. The loop seeds the global generator just before, so initialisation is reproducible. */
  createModel(): Module;
  /**
   * Roughly the peak tensor memory of one training step or evaluation, in bytes: the loop refuses a run
   * that needs more than the heap can hold before it starts (a rough figure; it only has to tell a run
   * that fits from one that is far too large). Optional.
   */
  memoryEstimate?(): number;
  /** The next training batch. */
  nextBatch(): Batch;
  /** Items (tokens, images) in a batch, for throughput. */
  batchSize(batch: Batch): number;
  /** The mean loss of a batch: a scalar with its autograd graph, in training mode. */
  loss(batch: Batch): Tensor;
  /** Validation: a shorter `periodic` one during training, the full `final` one at the end. */
  evaluate(kind: 'periodic' | 'final'): Evaluation;
  /** The task's state for a checkpoint: JSON, and tensor files by name. */
  saveState(): { json: State; tensors?: Record<string, Map<string, Tensor>> };
  /** Restores `saveState()`'s result, after the model has been created. */
  loadState(json: State, files: TaskFiles): void;
}
