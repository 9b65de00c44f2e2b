/**
 * The models of the fashion-mnist task, by name, each with its config defaults (the image size, channels
 * and class count come from the data) and the training settings its default run starts from.
 *
 *   name     model (src/models/vision)                               default run
 *   cnn      two conv-BatchNorm-ReLU-max-pool blocks, two linear     10 epochs, AdamW 2e-3, batch 64, cosine
 *   se-cnn   the same with squeeze-and-excitation after each block   10 epochs, AdamW 2e-3, batch 64, cosine
 *   vit      ViT: patches of 7 (or 4), class token, pre-LN, GELU     6 epochs, AdamW 1e-3, wd 0.05, cosine, warm-up 200
 *   swin     tiny Swin: conv stem, 2 x 2 patches, windows 7, merging  3.5 epochs, AdamW 1e-3, wd 0.05, cosine, warm-up 200, no flips
 *
 * The epochs aim at a default run of at most 15 minutes on a 2-core machine; the README's Fashion-MNIST
 * table has each default run's accuracy and wall time (on a 2-core Intel Xeon: cnn 8 min 0 s and se-cnn
 * 8 min 40 s with the plain SIMD build, swin 13 min 12 s with the relaxed one).
 */
import type { Module } from '../../nn/module.js';
import { CNN, cnnConfigProblem, defaultCNNConfig, type CNNConfig } from '../../models/vision/cnn.js';
import { SECNN, defaultSECNNConfig, seCNNConfigProblem, type SECNNConfig } from '../../models/vision/se-cnn.js';
import { SwinTiny, defaultSwinTinyConfig, swinTinyConfigProblem, type SwinTinyConfig } from '../../models/vision/swin-tiny.js';
import { defaultViTConfig, ViT, type ViTConfig } from '../../models/vision/vit.js';

/** The settings of a default run; each can be overridden (`loom train` flags, TrainOptions). */
export interface ImageTrainingDefaults {
  epochs: number;
  batch: number;
  lr: number;
  optimizer: 'adam' | 'adamw';
  weightDecay: number;
  /** Warm-up steps of the cosine schedule. */
  warmup: number;
  /** Random crops with this much zero padding (0 = none) and horizontal flips. */
  cropPadding: number;
  flip: boolean;
}

/** The config keys that the data sets (image side, channels, classes). */
export interface ImageModelConfig {
  imageSize: number;
  inChannels: number;
  numClasses: number;
}

export interface ImageModelSpec<C extends ImageModelConfig = ImageModelConfig> {
  name: string;
  summary: string;
  defaults: C;
  training: ImageTrainingDefaults;
  /**
   * Bytes a training step of the default size allocates per 28 x 28 image (measured: one forward and
   * backward without collection, an upper bound of the peak), for the loop's memory check.
   */
  bytesPerImage: number;
  /** Values of the config keys that a checkpoint saved before they existed lacks (savedModel). */
  savedDefaults?: Partial<C>;
  /** What is wrong with a config (e.g. one read from a checkpoint), as a phrase, or null. */
  problem(config: C): string | null;
  create(config: C): Module;
}

function define<C extends ImageModelConfig>(spec: ImageModelSpec<C>): ImageModelSpec {
  return spec as unknown as ImageModelSpec;
}

const convTraining: ImageTrainingDefaults = { epochs: 4, batch: 64, lr: 2e-3, optimizer: 'adamw', weightDecay: 1e-4, warmup: 0, cropPadding: 0, flip: true };
const transformerTraining: ImageTrainingDefaults = { epochs: 3, batch: 64, lr: 1e-3, optimizer: 'adamw', weightDecay: 0.05, warmup: 200, cropPadding: 0, flip: true };

function vitProblem(c: ViTConfig): string | null {
  for (const [k, v] of Object.entries(c)) if (!Number.isInteger(v) || (v as number) < 1) return `${k} = ${JSON.stringify(v)}, expected a positive integer`;
  if (c.imageSize % c.patchSize !== 0) return `patchSize = ${c.patchSize}, expected a divisor of imageSize ${c.imageSize}`;
  if (c.dim % c.heads !== 0) return `heads = ${c.heads}, expected a divisor of dim ${c.dim}`;
  return null;
}

export const MODELS: readonly ImageModelSpec[] = [
  define<CNNConfig>({ name: 'cnn', summary: 'two conv-BatchNorm-ReLU-max-pool blocks, dropout, two linear layers', defaults: defaultCNNConfig, training: { ...convTraining, epochs: 10 }, bytesPerImage: 2.5e6, problem: cnnConfigProblem, create: (c) => new CNN(c) }),
  define<SECNNConfig>({ name: 'se-cnn', summary: 'the cnn with squeeze-and-excitation after each conv block', defaults: defaultSECNNConfig, training: { ...convTraining, epochs: 10 }, bytesPerImage: 2.8e6, problem: seCNNConfigProblem, create: (c) => new SECNN(c) }),
  define<ViTConfig>({ name: 'vit', summary: 'Vision Transformer: 7x7 patches, class token, pre-LN, GELU', defaults: defaultViTConfig, training: { ...transformerTraining, epochs: 6 }, bytesPerImage: 2e6, problem: vitProblem, create: (c) => new ViT(c) }),
  define<SwinTinyConfig>({
    name: 'swin', summary: 'tiny Swin: a conv stem, 2x2 patches, 7x7 windows, shifted windows, one patch merging', defaults: defaultSwinTinyConfig,
    training: { ...transformerTraining, epochs: 3.5, flip: false }, bytesPerImage: 15e6, // measured 13.0 MB (11.4 without the stem)
    savedDefaults: { stemChannels: 0 }, // a checkpoint made before the convolutional stem existed had none
    problem: swinTinyConfigProblem, create: (c) => new SwinTiny(c),
  }),
];

export const DEFAULT_MODEL = 'cnn';

export function findModel(name: string): ImageModelSpec | undefined {
  return MODELS.find((m) => m.name === name);
}
