/**
 * Training checkpoints: one directory per checkpoint, written atomically.
 *
 *   DIR/model.safetensors      the weights under PyTorch state-dict keys (F32), loadable by
 *                              `safetensors.torch.load_file` into the same PyTorch module
 *   DIR/config.json            model name and config, vocabulary, training settings, step, data
 *                              position, RNG states, LR schedule, Loom version
 *   DIR/optimizer.safetensors  optimizer state tensors (`state.<i>.exp_avg`, ...); its `__metadata__`
 *                              key `optimizer` holds the JSON half (steps, hyper-parameters)
 *   DIR/hidden.safetensors     recurrent models only: the hidden state carried into the next step
 *
 * Atomic write: everything goes into the sibling `DIR.tmp-<pid>`, each file fsynced; then the old
 * checkpoint is renamed to `DIR.old`, the new one renamed to `DIR`, and `DIR.old` removed. A crash at
 * any moment leaves either `DIR` complete, or only `DIR.old` complete (between the two renames), which
 * `loadCheckpoint` renames back. Readers never see a half-written `DIR`.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Tensor } from '../core/tensor.js';
import { CharVocab } from '../data/vocab.js';
import { configProblem, findModel, MODELS, type LanguageModel, type ModelSpec } from '../models/registry.js';
import type { Module } from '../nn/module.js';
import type { OptimizerJson, OptimizerStateDict } from '../optim/optimizer.js';
import type { SchedulerStateDict } from '../optim/schedule.js';
import { parseSafetensors, SafetensorsError } from './safetensors.js';
import { encodeTensors } from './state.js';
import { fromSafeTensor } from './tensors.js';

/** A checkpoint that cannot be used: missing, corrupt, or not what was asked for. One sentence, naming the file. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

export const CHECKPOINT_FORMAT = 'loom-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** The contents of `config.json`. */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  formatVersion: number;
  loomVersion: string;
  /** The registry name: rnn, lstm, gru, gpt, linear-gpt, markov. */
  model: string;
  /** The model's config, vocabSize included. */
  config: Record<string, unknown>;
  vocab: { chars: string[] };
  /** The settings of the run (batch, seq, lr, data file, ...), as `loom train` recorded them. */
  training: Record<string, unknown>;
  /** Optimizer steps done. */
  step: number;
  /** Where the data stream continues: the StreamBatcher position (recurrent models). */
  data: { position?: number };
  /** Generator states: the global one (init, dropout) and the one that draws training windows. */
  rng: { global: (number | null)[]; data: (number | null)[] };
  schedule?: SchedulerStateDict;
  savedAt: string;
}

/** What `saveCheckpoint` writes. */
export interface CheckpointContents {
  meta: Omit<CheckpointMeta, 'format' | 'formatVersion' | 'loomVersion' | 'savedAt'>;
  model: Module;
  optimizer?: OptimizerStateDict;
  /** The recurrent state, as tensors in order (see `stateTensors`). */
  hidden?: Tensor[];
}

/** Test hook: called after each stage of a save (`wrote <file>`, `moved old`, `renamed`). */
export type SaveHook = (stage: string) => void;

/** The version in Loom's package.json. */
export function loomVersion(): string {
  for (const rel of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'loom-nn' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}

/** The hex SHA-256 of a text, to recognise the training data on resume. */
export function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

// ---- saving ------------------------------------------------------------------------------------------

/** Writes a checkpoint directory atomically (see the file comment); replaces the previous one at `dir`. */
export function saveCheckpoint(dir: string, contents: CheckpointContents, hook: SaveHook = () => {}): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(dir);
  const tmp = `${dir}.tmp-${process.pid}`;
  const old = `${dir}.old`;
  mkdirSync(tmp);

  const write = (file: string, bytes: Uint8Array | string) => {
    writeSynced(join(tmp, file), bytes);
    hook(`wrote ${file}`);
  };
  write('model.safetensors', encodeTensors(contents.model.stateDict(), { format: 'pt' }));
  if (contents.optimizer) {
    const { json, tensors } = contents.optimizer;
    write('optimizer.safetensors', encodeTensors(tensors, { optimizer: JSON.stringify(json) }));
  }
  if (contents.hidden) write('hidden.safetensors', encodeTensors(new Map(contents.hidden.map((t, i) => [`state.${i}`, t]))));
  const meta: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    formatVersion: CHECKPOINT_VERSION,
    loomVersion: loomVersion(),
    ...contents.meta,
    savedAt: new Date().toISOString(),
  };
  write('config.json', `${prettyJSON(meta)}\n`);
  fsyncPath(tmp);

  if (existsSync(dir)) {
    rmSync(old, { recursive: true, force: true });
    renameSync(dir, old);
    hook('moved old');
  }
  renameSync(tmp, dir);
  fsyncPath(parent);
  hook('renamed');
  rmSync(old, { recursive: true, force: true });
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

function writeSynced(path: string, bytes: Uint8Array | string): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** fsync a directory so renames and new entries in it are durable (not possible on every platform). */
function fsyncPath(path: string): void {
  try {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Windows cannot open directories; the renames are still atomic
  }
}

/** Removes `DIR.tmp-<pid>` siblings left by crashed saves (their process no longer runs, or it is us). */
function removeStaleTemps(dir: string): void {
  const parent = dirname(dir);
  const prefix = `${basename(dir)}.tmp-`;
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (pid === process.pid || !isAlive(pid)) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// ---- loading -----------------------------------------------------------------------------------------

/** A loaded checkpoint: its settings, vocabulary and the model with its weights. */
export interface Checkpoint {
  /** The directory it was read from. */
  dir: string;
  meta: CheckpointMeta;
  spec: ModelSpec;
  vocab: CharVocab;
  lm: LanguageModel;
}

export interface LoadOptions {
  /** Refuse a checkpoint of any other model. */
  model?: string;
}

/**
 * The checkpoint directory a user's path means: the path itself, or `PATH/checkpoint` when the path is
 * a training run's `--out` directory.
 */
export function resolveCheckpointDir(path: string): string {
  const inner = join(path, 'checkpoint');
  if (!existsSync(join(path, 'config.json')) && (existsSync(inner) || existsSync(`${inner}.old`))) return inner;
  return path;
}

/**
 * Reads a checkpoint directory and builds its model with the saved weights. Throws a `CheckpointError`
 * naming the file and the problem when the directory or a file is missing, a file is not valid JSON or
 * safetensors, a tensor is missing, unexpected or mis-shaped, or the model is not `options.model`.
 * A directory that only survives as `DIR.old` (a save interrupted between its renames) is restored first.
 *
 * @example
 *   const { lm, vocab, meta } = loadCheckpoint('runs/lstm/checkpoint');
 */
export function loadCheckpoint(path: string, options: LoadOptions = {}): Checkpoint {
  const dir = resolveCheckpointDir(path);
  recover(dir);
  let stats;
  try {
    stats = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw new CheckpointError(`checkpoint '${dir}' cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (!stats) throw new CheckpointError(`checkpoint '${dir}' does not exist`);
  if (!stats.isDirectory()) throw new CheckpointError(`checkpoint '${dir}' is not a directory (a checkpoint is a directory holding config.json and model.safetensors)`);

  const configPath = join(dir, 'config.json');
  const meta = readMeta(configPath);
  const spec = findModel(meta.model);
  if (!spec) throw new CheckpointError(`checkpoint file '${configPath}' names an unknown model '${meta.model}' (known: ${MODELS.map((m) => m.name).join(', ')})`);
  if (options.model !== undefined && options.model !== meta.model)
    throw new CheckpointError(`checkpoint '${dir}' is for the model '${meta.model}', not '${options.model}' as requested`);
  const problem = configProblem(spec, meta.config);
  if (problem) throw new CheckpointError(`checkpoint file '${configPath}' has an invalid model config: ${problem}`);
  let vocab: CharVocab;
  try {
    vocab = CharVocab.fromJSON(meta.vocab);
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${configPath}' has an invalid vocabulary: ${(e as Error).message}`);
  }
  if (vocab.size !== meta.config.vocabSize)
    throw new CheckpointError(`checkpoint file '${configPath}' has a vocabulary of ${vocab.size} characters but a model config with vocabSize ${String(meta.config.vocabSize)}`);
  let lm: LanguageModel;
  try {
    lm = spec.create(meta.config as never);
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${configPath}' has an invalid ${spec.name} config: ${(e as Error).message}`);
  }
  loadWeights(join(dir, 'model.safetensors'), lm.module, spec.name);
  return { dir, meta, spec, vocab, lm };
}

/** The optimizer state saved with a checkpoint (throws a CheckpointError when it is missing or corrupt). */
export function loadOptimizerState(dir: string): OptimizerStateDict {
  const path = join(dir, 'optimizer.safetensors');
  const file = readSafetensors(path);
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
  return { json, tensors };
}

/**
 * The recurrent state saved with a checkpoint, shaped like `template` (the model's zero state for the
 * run's batch), or null when the checkpoint has none.
 */
export function loadHiddenState(dir: string, template: Tensor[]): Tensor[] | null {
  const path = join(dir, 'hidden.safetensors');
  if (!existsSync(path)) return null;
  const file = readSafetensors(path);
  return template.map((want, i) => {
    const t = file.tensors.get(`state.${i}`);
    if (!t) throw new CheckpointError(`checkpoint file '${path}' lacks the tensor 'state.${i}'`);
    if (t.shape.join() !== want.shape.join())
      throw new CheckpointError(`checkpoint file '${path}' has 'state.${i}' of shape [${t.shape.join(', ')}], but the run needs [${want.shape.join(', ')}]`);
    return fromSafeTensor(t, `${path}: state.${i}`);
  });
}

/** The tensors of a state (a tensor or nested arrays of tensors), in order. */
export function stateTensors(state: unknown): Tensor[] {
  if (state === null || state === undefined) return [];
  if (state instanceof Tensor) return [state];
  if (Array.isArray(state)) return state.flatMap((s) => stateTensors(s));
  throw new TypeError(`stateTensors: expected a Tensor or an array of tensors, got ${String(state)}`);
}

/** `template` with its tensors replaced, in order, by `tensors`. */
export function rebuildState<S>(template: S, tensors: Tensor[]): S {
  let i = 0;
  const walk = (s: unknown): unknown => (s instanceof Tensor ? tensors[i++] : Array.isArray(s) ? s.map(walk) : s);
  return walk(template) as S;
}

/** A checkpoint interrupted between its two renames survives only as DIR.old: put it back. */
function recover(dir: string): void {
  const old = `${dir}.old`;
  if (!existsSync(dir) && existsSync(old)) {
    try {
      renameSync(old, dir);
    } catch {
      // read-only location: leave it; the load below reports the missing directory
    }
  }
}

function readMeta(path: string): CheckpointMeta {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? `checkpoint file '${path}' is missing` : `checkpoint file '${path}' cannot be read (${code ?? (e as Error).message})`);
  }
  let meta: unknown;
  try {
    meta = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`checkpoint file '${path}' is not valid JSON (${(e as Error).message})`);
  }
  const m = meta as Partial<CheckpointMeta> | null;
  if (typeof m !== 'object' || m === null || m.format !== CHECKPOINT_FORMAT)
    throw new CheckpointError(`checkpoint file '${path}' is not a Loom checkpoint config (it lacks "format": "${CHECKPOINT_FORMAT}")`);
  if (typeof m.formatVersion !== 'number' || m.formatVersion > CHECKPOINT_VERSION)
    throw new CheckpointError(`checkpoint file '${path}' has format version ${String(m.formatVersion)}, this Loom (${loomVersion()}) reads version ${CHECKPOINT_VERSION}`);
  for (const [key, type] of [['model', 'string'], ['config', 'object'], ['vocab', 'object'], ['training', 'object'], ['step', 'number'], ['data', 'object'], ['rng', 'object']] as const) {
    const v = (m as Record<string, unknown>)[key];
    if (typeof v !== type || v === null) throw new CheckpointError(`checkpoint file '${path}' has no valid '${key}' entry (expected a ${type}, got ${JSON.stringify(v)})`);
  }
  return m as CheckpointMeta;
}

function readSafetensors(path: string) {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? `checkpoint file '${path}' is missing` : `checkpoint file '${path}' cannot be read (${code ?? (e as Error).message})`);
  }
  try {
    return parseSafetensors(bytes);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw new CheckpointError(`checkpoint file '${path}' is not a valid safetensors file: ${e.message.replace(/^safetensors: /, '')}`);
  }
}

/** Copies the weights of `path` into `module`, refusing missing, unexpected and mis-shaped tensors. */
function loadWeights(path: string, module: Module, modelName: string): void {
  const file = readSafetensors(path);
  const own = module.stateDict();
  const state = new Map<string, Tensor>();
  for (const [k, want] of own) {
    const t = file.tensors.get(k);
    if (!t) throw new CheckpointError(`checkpoint file '${path}' lacks the tensor '${k}' that the ${modelName} model needs`);
    if (t.shape.join() !== want.shape.join())
      throw new CheckpointError(`checkpoint file '${path}' has '${k}' of shape [${t.shape.join(', ')}], but the ${modelName} config needs [${want.shape.join(', ')}]`);
    if (!['F32', 'F16', 'BF16', 'F64'].includes(t.dtype))
      throw new CheckpointError(`checkpoint file '${path}' holds '${k}' as ${t.dtype}, expected a float type (F32)`);
    state.set(k, fromSafeTensor(t, `${path}: ${k}`));
  }
  for (const k of file.tensors.keys())
    if (!own.has(k)) throw new CheckpointError(`checkpoint file '${path}' has a tensor '${k}' that the ${modelName} model does not have`);
  module.loadStateDict(state);
}
