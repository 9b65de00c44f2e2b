/**
 * The training checkpoint format: which files a checkpoint holds and what `config.json` says, apart
 * from where the files are stored (a directory on Node: checkpoint-dir.ts) and from which task wrote
 * them. A checkpoint is a set of named files:
 *
 *   model.safetensors      the weights under PyTorch state-dict keys (F32), loadable by
 *                          `safetensors.torch.load_file` into the same PyTorch module
 *   optimizer.safetensors  optimizer state tensors (`state.<i>.exp_avg`, ...); its `__metadata__`
 *                          key `optimizer` holds the JSON half (steps, hyper-parameters)
 *   <task files>           what the task keeps, e.g. `hidden.safetensors` (a recurrent state)
 *   config.json            `CheckpointMeta`: the task, the model and its config, the vocabulary,
 *                          the task's and the loop's settings, the step, the RNG and schedule states
 *
 * The format knows no model list: a task rebuilds its model from `model`, `config` and `vocab`.
 *
 * Versions. 2: `task`, `taskConfig`, `taskState`, `training` holds the loop's options, `rng` the
 * global generator, `digests` the SHA-256 of every other file (a file that differs, or is missing, is
 * refused naming it; checkpoints saved before digests were recorded are read without the check). 1 (Loom 0.1, whose `loom train` only trained character LMs): no `task`; it loads
 * as a `char-lm` checkpoint, its fields moved to where version 2 keeps them (see `upgradeV1`).
 */
import type { Tensor } from '../core/tensor.js';
import type { Module } from '../nn/module.js';
import type { OptimizerJson, OptimizerStateDict } from '../optim/optimizer.js';
import type { SchedulerStateDict } from '../optim/schedule.js';
import { LOOM_VERSION } from '../version.js';
import { digestMismatch, digestsProblem, fileDigests, type Digests } from './digests.js';
import { nonFiniteProblem } from './finite.js';
import { parseSafetensors, SafetensorsError } from './safetensors.js';
import { encodeTensors, fromSafeTensor } from './tensors.js';

/** A checkpoint that cannot be used: missing, corrupt, or not what was asked for. One sentence, naming the file. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export const CHECKPOINT_FORMAT = 'loom-checkpoint';
export const CHECKPOINT_VERSION = 2;

/** A checkpoint's files by name (`config.json`, `model.safetensors`, ...). */
export type CheckpointFiles = Map<string, Uint8Array>;

/** The contents of `config.json` (version 2). */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  loomVersion: string;
  /** The task that trained the model, e.g. `char-lm`. */
  task: string;
  /** The task's name of the model, e.g. `lstm`. */
  model: string;
  /** The model's config, as the task builds the model from it (char-lm: vocabSize included). */
  config: Record<string, unknown>;
  /** The vocabulary or tokenizer, as the task wrote it (char-lm: `{ chars }`). */
  vocab?: unknown;
  /** The task's settings (char-lm: the data file and its hash, batch, seq, ...). */
  taskConfig: Record<string, unknown>;
  /** The training loop's options (steps, lr, optimizer, clip, schedule, seed, ...). */
  training: Record<string, unknown>;
  /** Optimizer steps done. */
  step: number;
  /** The task's state between steps (char-lm: the stream position, the generator of its windows). */
  taskState: Record<string, unknown>;
  /** The state of the global generator (initialisation, dropout). */
  rng: (number | null)[];
  schedule?: SchedulerStateDict;
  /** SHA-256 of every file but config.json (absent in checkpoints saved before Loom recorded them). */
  digests?: Digests;
  savedAt: string;
}

/** What `encodeCheckpoint` writes. */
export interface CheckpointContents {
  meta: Omit<CheckpointMeta, 'format' | 'formatVersion' | 'loomVersion' | 'savedAt' | 'digests'>;
  model: Module;
  optimizer?: OptimizerStateDict;
  /** The task's tensor files by name (e.g. `hidden.safetensors`). */
  tensors?: Record<string, Map<string, Tensor>>;
}

/** A decoded checkpoint: where it came from (for messages), its `config.json`, and its files. */
export interface Checkpoint {
  /** The directory (or other location) it was read from. */
  dir: string;
  meta: CheckpointMeta;
  files: CheckpointFiles;
}

// ---- encoding ----------------------------------------------------------------------------------------

/** The files of a checkpoint, in the order a store should write them (config.json last). */
export function encodeCheckpoint(contents: CheckpointContents, savedAt = new Date()): CheckpointFiles {
  const files: CheckpointFiles = new Map();
  files.set('model.safetensors', encodeTensors(contents.model.stateDict(), { format: 'pt' }));
  if (contents.optimizer) {
    const { json, tensors } = contents.optimizer;
    files.set('optimizer.safetensors', encodeTensors(tensors, { optimizer: JSON.stringify(json) }));
  }
  for (const [name, tensors] of Object.entries(contents.tensors ?? {})) files.set(name, encodeTensors(tensors));
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    loomVersion: LOOM_VERSION,
    ...contents.meta,
    digests: fileDigests(files),
    savedAt: savedAt.toISOString(),
  };
  files.set('config.json', new TextEncoder().encode(`${prettyJSON(meta)}\n`));
  return files;
}

/** JSON with objects indented and arrays of numbers or strings on one line (the vocabulary, RNG states). */
function prettyJSON(value: unknown, indent = ''): string {
  if (Array.isArray(value) && value.every((x) => typeof x !== 'object' || x === null)) return JSON.stringify(value);
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((x) => `${inner}${prettyJSON(x, inner)}`)
    : Object.entries(value)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => `${inner}${JSON.stringify(k)}: ${prettyJSON(x, inner)}`);
  if (items.length === 0) return Array.isArray(value) ? '[]' : '{}';
  return Array.isArray(value) ? `[\n${items.join(',\n')}\n${indent}]` : `{\n${items.join(',\n')}\n${indent}}`;
}

// ---- decoding ----------------------------------------------------------------------------------------

/**
 * Reads `config.json` of a checkpoint's files, checks it and brings a version-1 record up to
 * version 2. Throws a CheckpointError naming the file when it is missing, not JSON, or lacks a field.
 */
export function decodeCheckpoint(files: CheckpointFiles, dir: string): Checkpoint {
  const path = `${dir}/config.json`;
  const bytes = files.get('config.json');
  if (!bytes) throw new CheckpointError(`checkpoint file '${path}' is missing`);
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${path}' is not valid JSON (${(e as Error).message})`);
  }
  const record = m as Record<string, unknown> | null;
  if (typeof record !== 'object' || record === null || record.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(`checkpoint file '${path}' is not a Loom checkpoint config (it lacks "format": "${CHECKPOINT_FORMAT}")`);
  const version = record.formatVersion;
  if (typeof version !== 'number' || version > CHECKPOINT_VERSION)
    throw new CheckpointError(`checkpoint file '${path}' has format version ${String(version)}, this Loom (${LOOM_VERSION}) reads versions 1 to ${CHECKPOINT_VERSION}`);
  const fields = version < 2 ? V1_FIELDS : V2_FIELDS;
  for (const [key, type] of fields) {
    const v = record[key];
    const ok = type === 'array' ? Array.isArray(v) : typeof v === type && v !== null;
    if (!ok) throw new CheckpointError(`checkpoint file '${path}' has no valid '${key}' entry (expected ${type === 'array' ? 'an' : 'a'} ${type}, got ${JSON.stringify(v)})`);
  }
  if (!Number.isSafeInteger(record.step) || (record.step as number) < 0)
    throw new CheckpointError(`checkpoint file '${path}' has step = ${JSON.stringify(record.step)}, expected a non-negative integer`);
  const digestProblem = record.digests === undefined ? null : digestsProblem(record.digests);
  if (digestProblem) throw new CheckpointError(`checkpoint file '${path}' is invalid: ${digestProblem}`);
  const meta = version < 2 ? upgradeV1(record) : (record as unknown as CheckpointMeta);
  return { dir, meta, files };
}

const V2_FIELDS = [
  ['task', 'string'], ['model', 'string'], ['config', 'object'], ['taskConfig', 'object'], ['training', 'object'],
  ['step', 'number'], ['taskState', 'object'], ['rng', 'array'],
] as const;
const V1_FIELDS = [['model', 'string'], ['config', 'object'], ['vocab', 'object'], ['training', 'object'], ['step', 'number'], ['data', 'object'], ['rng', 'object']] as const;

/**
 * A version-1 `config.json` as version 2. Version 1 kept every setting in `training` (`run` holding
 * steps, evalEvery, evalBatches, checkpointEvery, sampleLength), the stream position in `data`, and
 * `rng: { global, data }`; version 2 splits the task's part (data, batch shape, evaluation, sample,
 * the stream position and the window generator) from the loop's.
 */
function upgradeV1(v1: Record<string, unknown>): CheckpointMeta {
  const { run = {}, data, dataHash, batch, seq, ...loop } = v1.training as Record<string, unknown> & { run?: Record<string, unknown> };
  const { steps, evalEvery, evalBatches, checkpointEvery, sampleLength } = run;
  const rng = v1.rng as { global?: (number | null)[]; data?: (number | null)[] };
  return {
    format: CHECKPOINT_FORMAT,
    formatVersion: 1,
    loomVersion: v1.loomVersion as string,
    task: 'char-lm',
    model: v1.model as string,
    config: v1.config as Record<string, unknown>,
    vocab: v1.vocab,
    taskConfig: { data, dataHash, batch, seq, evalBatches, sampleLength },
    training: { steps, ...loop, evalEvery, checkpointEvery },
    step: v1.step as number,
    taskState: { ...(v1.data as Record<string, unknown>), rng: rng.data },
    rng: rng.global as (number | null)[],
    schedule: v1.schedule as SchedulerStateDict | undefined,
    savedAt: v1.savedAt as string,
  };
}

/** The tensors of the safetensors file `name` of a checkpoint, or null when it has no such file. */
export function checkpointTensors(ckpt: Checkpoint, name: string): Map<string, Tensor> | null {
  const file = readSafetensors(ckpt, name, false);
  if (!file) return null;
  const path = `${ckpt.dir}/${name}`;
  return finite(path, new Map([...file.tensors].map(([k, t]) => [k, fromSafeTensor(t, `${path}: ${k}`)])));
}

/** The optimizer state saved with a checkpoint (throws a CheckpointError when it is missing or corrupt). */
export function checkpointOptimizerState(ckpt: Checkpoint): OptimizerStateDict {
  const path = `${ckpt.dir}/optimizer.safetensors`;
  const file = readSafetensors(ckpt, 'optimizer.safetensors', true)!;
  const text = file.metadata.optimizer;
  if (text === undefined) throw new CheckpointError(`checkpoint file '${path}' has no 'optimizer' entry in its metadata`);
  let json: OptimizerJson;
  try {
    json = JSON.parse(text) as OptimizerJson;
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${path}' has optimizer metadata that is not valid JSON (${(e as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || typeof json.state !== 'object' || !Array.isArray(json.paramGroups))
    throw new CheckpointError(`checkpoint file '${path}' has optimizer metadata without 'state' and 'paramGroups'`);
  const tensors = new Map<string, Tensor>();
  for (const [k, t] of file.tensors) tensors.set(k, fromSafeTensor(t, `${path}: ${k}`));
  return { json, tensors: finite(path, tensors) };
}

/**
 * Copies the weights of the checkpoint's model.safetensors into `module`, refusing missing, unexpected
 * and mis-shaped tensors; `modelName` names the model in the errors.
 */
export function loadCheckpointWeights(ckpt: Checkpoint, module: Module, modelName: string): void {
  const path = `${ckpt.dir}/model.safetensors`;
  const file = readSafetensors(ckpt, 'model.safetensors', true)!;
  const own = module.stateDict();
  const state = new Map<string, Tensor>();
  for (const [k, want] of own) {
    const t = file.tensors.get(k);
    if (!t) throw new CheckpointError(`checkpoint file '${path}' lacks the tensor '${k}' that the ${modelName} model needs`);
    if (t.shape.join() !== want.shape.join())
      throw new CheckpointError(`checkpoint file '${path}' has '${k}' of shape [${t.shape.join(', ')}], but the ${modelName} config needs [${want.shape.join(', ')}]`);
    // integer and bool buffers (BatchNorm's num_batches_tracked, Swin's relative_position_index) keep their kind
    const kinds = want.dtype === 'int32' ? ['I32', 'I64'] : want.dtype === 'bool' ? ['BOOL'] : ['F32', 'F16', 'BF16', 'F64'];
    if (!kinds.includes(t.dtype))
      throw new CheckpointError(`checkpoint file '${path}' holds '${k}' as ${t.dtype}, expected ${want.dtype === 'float32' ? 'a float type (F32)' : kinds.join(' or ')}`);
    state.set(k, fromSafeTensor(t, `${path}: ${k}`));
  }
  for (const k of file.tensors.keys())
    if (!own.has(k)) throw new CheckpointError(`checkpoint file '${path}' has a tensor '${k}' that the ${modelName} model does not have`);
  module.loadStateDict(finite(path, state));
}

/** `tensors`, once every value is known to be finite (a NaN is refused with the file and the tensor). */
function finite(path: string, tensors: Map<string, Tensor>): Map<string, Tensor> {
  const problem = nonFiniteProblem(tensors);
  if (problem) throw new CheckpointError(`checkpoint file '${path}' is corrupt or from a diverged run: ${problem}`);
  return tensors;
}

function readSafetensors(ckpt: Checkpoint, name: string, required: boolean) {
  const path = `${ckpt.dir}/${name}`;
  const bytes = ckpt.files.get(name);
  const recorded = ckpt.meta.digests?.[name];
  if (!bytes) {
    if (required) throw new CheckpointError(`checkpoint file '${path}' is missing`);
    if (recorded) throw new CheckpointError(`checkpoint file '${path}' is missing, but the checkpoint was saved with it; the run cannot continue the same way without it`);
    return null;
  }
  let file;
  try {
    file = parseSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw new CheckpointError(`checkpoint file '${path}' is not a valid safetensors file: ${e.message.replace(/^safetensors: /, '')}`);
  }
  const mismatch = recorded ? digestMismatch(bytes, recorded) : null;
  if (mismatch) throw new CheckpointError(`checkpoint file '${path}' is corrupt: ${mismatch}`);
  return file;
}
