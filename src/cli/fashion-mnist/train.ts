/**
 * `loom train --task fashion-mnist`: trains an image classifier on Fashion-MNIST (Debian's
 * dataset-fashion-mnist) or any MNIST-layout data set (`--data DIR`), evaluating on its test split. A
 * thin layer: the flags become the fashion-mnist task (src/tasks/fashion-mnist) and the options of the
 * library's loop, which does the work; signals and divergence as for every task (training-run.ts).
 *
 * The run directory (`--out`, default `runs/fashion-<model>`) holds `checkpoint/` and `metrics.jsonl`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataError } from '../../data/data-error.js';
import { FASHION_MNIST_DIR, loadFashionMnist, type FashionMnist } from '../../data/fashion-mnist.js';
import { CheckpointError } from '../../io/checkpoint.js';
import { DEFAULT_IMAGE_MODEL, FashionMnistTask, fashionMnistConfig, fashionMnistConfigProblem, findImageModel, IMAGE_MODELS, savedModel, type FashionMnistConfig } from '../../tasks/fashion-mnist/index.js';
import type { TrainOptions } from '../../train/options.js';
import { num, UsageError, type Command } from '../args.js';
import { openRun, runTrainingCli, savedTrainOptions, type TrainingRun } from '../training-run.js';

type Flags = Record<string, string | boolean | undefined>;

export const fashionTrainCommand: Command = {
  name: 'train',
  summary: 'train an image classifier on Fashion-MNIST (or MNIST-layout data) and report its test accuracy',
  usage: 'loom train --task fashion-mnist [--model cnn|se-cnn|vit|swin] [--patch 4|7] [--data DIR] [--epochs N] [--batch B] [--lr LR] [--out DIR] [--resume]',
  options: {
    model: { type: 'string' },
    patch: { type: 'string' },
    data: { type: 'string' },
    epochs: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    'weight-decay': { type: 'string' },
    warmup: { type: 'string' },
    'crop-padding': { type: 'string' },
    flip: { type: 'string' },
    'train-images': { type: 'string' },
    'test-images': { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    resume: { type: 'boolean' },
    'eval-every': { type: 'string' },
    'checkpoint-every': { type: 'string' },
  },
  help: {
    'task fashion-mnist': 'this task',
    'model NAME': `${IMAGE_MODELS.map((m) => m.name).join(' | ')} (default ${DEFAULT_IMAGE_MODEL})`,
    'patch P': 'vit: the side of its square patches, a divisor of 28 such as 4 or 7 (default 7)',
    'data DIR': `a folder with the four MNIST-layout IDX files, gzipped or not, and optionally classes.txt (ten names) (default ${FASHION_MNIST_DIR}: apt-get install dataset-fashion-mnist)`,
    'epochs N': `passes over the training images (default: ${IMAGE_MODELS.map((m) => `${m.name} ${m.training.epochs}`).join(', ')}); the cosine schedule decays to 0 at the end`,
    'steps N': 'optimizer steps instead of --epochs',
    'batch B': 'images per step (default 64)',
    'lr LR': 'AdamW learning rate (default 2e-3 for the CNNs, 1e-3 for vit and swin)',
    'weight-decay W': 'AdamW weight decay (default 1e-4 for the CNNs, 0.05 for vit and swin)',
    'warmup N': 'linear warm-up steps (default 0 for the CNNs, 200 for vit and swin)',
    'crop-padding P': 'augment with random crops of the image padded by P pixels, 0 = off (default 0)',
    'flip yes|no': `augment with random horizontal flips (default: ${IMAGE_MODELS.map((m) => `${m.name} ${m.training.flip ? 'yes' : 'no'}`).join(', ')})`,
    'train-images N': 'train on the first N training images only (default all)',
    'test-images N': 'the final evaluation reads the first N test images (default all)',
    'seed S': 'random seed of initialisation, data order, augmentation and dropout (default 0)',
    'out DIR': 'run directory: checkpoint/ and metrics.jsonl (default runs/fashion-<model>)',
    resume: 'continue the run in --out from its checkpoint (settings come from the checkpoint)',
    'eval-every N': 'test accuracy on 1,000 test images every N steps, 0 = only at the end (default: every epoch)',
    'checkpoint-every N': 'save a checkpoint every N steps, and always at the end (default 200)',
  },
  run: async (v) => (await runTrainingCli(planImageRun(v))).code,
};

/**
 * The class names of another data set than Fashion-MNIST's folder: the lines of `classes.txt` in its
 * folder when there is one (ten names, label order), else the labels themselves ('0'..'9').
 */
function classNames(dir: string): string[] {
  const file = join(dir, 'classes.txt');
  if (!existsSync(file)) return Array.from({ length: 10 }, (_, i) => String(i));
  const names = readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (names.length !== 10) throw new DataError(`${file}: expected 10 class names, one a line, got ${names.length}`);
  return names;
}

/** Both splits of the data folder. */
function loadSplits(dir: string): { train: FashionMnist; test: FashionMnist } {
  return { train: loadFashionMnist({ split: 'train', dir }), test: loadFashionMnist({ split: 'test', dir }) };
}

/** The run that `loom train --task fashion-mnist` flags ask for (`loom import` starts one from other weights). */
export function planImageRun(v: Flags): TrainingRun {
  const resuming = v.resume === true;
  const modelFlag = typeof v.model === 'string' ? v.model : undefined;
  if (modelFlag !== undefined && !findImageModel(modelFlag))
    throw new UsageError(`unknown model '${modelFlag}'; --model takes ${IMAGE_MODELS.map((m) => m.name).join(', ')}`);
  const out = typeof v.out === 'string' ? v.out : join('runs', `fashion-${modelFlag ?? DEFAULT_IMAGE_MODEL}`);
  const { storage, earlierRun, resumeFrom: ckpt } = openRun(out, resuming);
  let task: FashionMnistTask;
  let options: TrainOptions;
  if (ckpt) {
    const where = `${ckpt.dir}/config.json`;
    if (ckpt.meta.task !== 'fashion-mnist') throw new CheckpointError(`checkpoint '${ckpt.dir}' is for the task '${ckpt.meta.task}', not 'fashion-mnist'`);
    if (modelFlag !== undefined && modelFlag !== ckpt.meta.model) throw new UsageError(`--model ${modelFlag} differs from the checkpoint's ${ckpt.meta.model}; a resumed run keeps its settings`);
    for (const flag of ['patch', 'data', 'epochs', 'batch', 'lr', 'weight-decay', 'warmup', 'crop-padding', 'flip', 'train-images', 'seed'])
      if (v[flag] !== undefined) throw new UsageError(`--${flag} cannot change a resumed run (its settings come from the checkpoint); start a new run with another --out instead`);
    const config = structuredClone(ckpt.meta.taskConfig) as unknown as FashionMnistConfig;
    const problem = fashionMnistConfigProblem(config);
    if (problem) throw new CheckpointError(`checkpoint file '${where}' has an invalid task config: ${problem}`);
    options = savedTrainOptions(ckpt);
    const { train, test } = loadSplits(config.data);
    const { spec, modelConfig } = savedModel(ckpt);
    task = new FashionMnistTask({ config, train, test, model: spec.name, modelConfig, seed: options.seed });
  } else {
    const spec = findImageModel(modelFlag ?? DEFAULT_IMAGE_MODEL)!;
    const t = spec.training;
    if (v.patch !== undefined && spec.name !== 'vit') throw new UsageError(`--patch applies to the vit model only, not ${spec.name}`);
    const data = typeof v.data === 'string' ? resolve(v.data) : FASHION_MNIST_DIR;
    const { train, test } = loadSplits(data);
    if (v.flip !== undefined && v.flip !== 'yes' && v.flip !== 'no') throw new UsageError(`--flip must be yes or no, got '${String(v.flip)}'`);
    const config = fashionMnistConfig(
      {
        data,
        batch: num(v, 'batch', t.batch, { int: true, min: 1 }),
        trainImages: num(v, 'train-images', 0, { int: true, min: 1 }),
        testImages: num(v, 'test-images', 0, { int: true, min: 1 }),
        cropPadding: num(v, 'crop-padding', t.cropPadding, { int: true, min: 0 }),
        flip: v.flip === undefined ? t.flip : v.flip === 'yes',
        ...(data !== FASHION_MNIST_DIR ? { classes: classNames(data) } : {}),
      },
      train,
    );
    const seed = num(v, 'seed', 0, { int: true });
    const modelConfig = v.patch !== undefined ? { patchSize: num(v, 'patch', 7, { int: true, min: 1 }) } : {};
    const side = train.shape[2];
    if (modelConfig.patchSize !== undefined && side % modelConfig.patchSize !== 0) throw new UsageError(`--patch must divide the image side ${side} (e.g. 4 or 7 for 28), got ${modelConfig.patchSize}`);
    task = new FashionMnistTask({ config, train, test, model: spec.name, modelConfig, seed });
    const epochs = num(v, 'epochs', t.epochs, { min: 0.001 });
    options = {
      steps: Math.max(1, Math.round(epochs * task.stepsPerEpoch)),
      lr: num(v, 'lr', t.lr, { min: 0 }),
      optimizer: t.optimizer,
      weightDecay: num(v, 'weight-decay', t.weightDecay, { min: 0 }),
      clip: 0,
      schedule: 'cosine',
      warmup: num(v, 'warmup', t.warmup, { int: true, min: 0 }),
      seed,
      evalEvery: task.stepsPerEpoch,
      checkpointEvery: 200,
    };
  }
  options.steps = num(v, 'steps', options.steps, { int: true, min: 1 });
  options.evalEvery = num(v, 'eval-every', options.evalEvery, { int: true, min: 0 });
  options.checkpointEvery = num(v, 'checkpoint-every', options.checkpointEvery, { int: true, min: 1 });
  if (v['test-images'] !== undefined) task.config.testImages = num(v, 'test-images', 0, { int: true, min: 1 });

  return {
    task, options, storage, out, resumeFrom: ckpt, earlierRun, rateLabel: 'img/s',
    resumeCommand: `loom train --task fashion-mnist --out ${out} --resume`,
    header: (parameters) => {
      const c = task.config;
      const n = task.trainSet.shape[0];
      const cfg = Object.entries(task.modelConfig).map(([k, val]) => `${k} ${Array.isArray(val) ? val.join('x') : String(val)}`).join(', ');
      console.log(`model: ${task.spec.name} (${cfg}), ${parameters.toLocaleString('en-US')} parameters`);
      console.log(`data: ${c.data}, train ${n.toLocaleString('en-US')} images, test ${task.testSet.shape[0].toLocaleString('en-US')}; mean ${c.mean.toFixed(4)}, std ${c.std.toFixed(4)}`);
      const aug = [c.cropPadding > 0 ? `random crop (padding ${c.cropPadding})` : '', c.flip ? 'horizontal flip' : ''].filter(Boolean).join(' + ') || 'none';
      console.log(
        `training: ${options.steps} steps (${(options.steps / task.stepsPerEpoch).toFixed(2)} epochs of ${task.stepsPerEpoch}), batch ${c.batch}, ` +
          `${options.optimizer === 'adamw' ? `AdamW lr ${options.lr}, weight decay ${options.weightDecay}` : `Adam lr ${options.lr}`}, cosine schedule, warm-up ${options.warmup}, ` +
          `augmentation ${aug}, seed ${options.seed} -> ${out}`,
      );
    },
  };
}
