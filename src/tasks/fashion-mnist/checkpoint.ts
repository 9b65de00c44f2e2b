/**
 * A fashion-mnist model from a checkpoint (io/checkpoint.ts): its model name, model config and task
 * config checked, and the model built with the saved weights, in evaluation mode, ready to classify.
 *
 * @example
 *   const { model, config } = loadImageClassifier(loadCheckpoint('runs/cnn'));
 *   const probs = classify(model, config, pixels, 1);
 */
import { noGrad } from '../../core/autograd.js';
import { fromArray } from '../../core/creation.js';
import { CheckpointError, loadCheckpointWeights, type Checkpoint } from '../../io/checkpoint.js';
import type { TensorModule } from '../../nn/module.js';
import { findModel, MODELS, type ImageModelSpec } from './models.js';
import { fashionMnistConfigProblem, type FashionMnistConfig } from './task.js';

export interface ImageClassifier {
  spec: ImageModelSpec;
  /** The model, its weights loaded, in eval mode. */
  model: TensorModule;
  modelConfig: Record<string, unknown>;
  /** The task config: the data folder, the normalisation, the class names. */
  config: FashionMnistConfig;
}

/** The checked model of a fashion-mnist checkpoint. Throws a CheckpointError naming the file. */
export function loadImageClassifier(ckpt: Checkpoint): ImageClassifier {
  const { meta, dir } = ckpt;
  const where = `${dir}/config.json`;
  if (meta.task !== 'fashion-mnist') throw new CheckpointError(`checkpoint '${dir}' is for the task '${meta.task}', not 'fashion-mnist'`);
  const { spec, modelConfig } = savedModel(ckpt);
  const taskProblem = fashionMnistConfigProblem(meta.taskConfig ?? {});
  if (taskProblem) throw new CheckpointError(`checkpoint file '${where}' has an invalid task config: ${taskProblem}`);
  const config = meta.taskConfig as unknown as FashionMnistConfig;
  const problem = spec.problem(modelConfig as never);
  if (problem) throw new CheckpointError(`checkpoint file '${where}' has an invalid ${spec.name} config: ${problem}`);
  if (modelConfig.numClasses !== config.classes.length)
    throw new CheckpointError(`checkpoint file '${where}' names ${config.classes.length} classes but a model with numClasses ${String(modelConfig.numClasses)}`);
  const model = spec.create(modelConfig as never) as TensorModule;
  loadCheckpointWeights(ckpt, model, spec.name);
  model.eval();
  return { spec, model, modelConfig, config };
}

/**
 * A checkpoint's model: its spec, and its config as this version builds it (the keys added since the
 * checkpoint was saved take `savedDefaults`, the values that mean what it had then: a swin from before
 * the stem has none). Throws a CheckpointError naming the file for an unknown model.
 */
export function savedModel({ meta, dir }: Checkpoint): { spec: ImageModelSpec; modelConfig: Record<string, unknown> } {
  const spec = findModel(meta.model);
  if (!spec) throw new CheckpointError(`checkpoint file '${dir}/config.json' names an unknown model '${meta.model}' (known: ${MODELS.map((m) => m.name).join(', ')})`);
  return { spec, modelConfig: { ...spec.savedDefaults, ...meta.config } };
}

/**
 * Class probabilities of `n` images (n, C, H, W) with pixels in [0, 1], normalised as in training:
 * softmax(model((x - mean) / std)), (n, K) row-major.
 */
export function classify(c: ImageClassifier, pixels: Float32Array, n: number): Float32Array {
  const { imageSize: S, inChannels: C } = c.modelConfig as { imageSize: number; inChannels: number };
  if (pixels.length !== n * C * S * S) throw new Error(`classify: expected ${n} images of ${C} x ${S} x ${S} pixels, got ${pixels.length} values`);
  const x = pixels.map((v) => (v - c.config.mean) / c.config.std);
  return noGrad(() => c.model.forward(fromArray(x, [n, C, S, S])).softmax(1).toArray() as Float32Array);
}
