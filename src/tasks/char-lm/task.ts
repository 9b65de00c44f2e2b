/**
 * The character language-model task (`char-lm`): a text, cut into a training split (the first 90%) and
 * a validation split (the last 10%), read one character at a time; the vocabulary is every character
 * of the whole text. The loss is the mean cross-entropy of the next character, in nats.
 *
 * Batches. Recurrent models (rnn, lstm, gru) read the training split as `batch` parallel streams, `seq`
 * characters per step, the hidden state carried (detached) from step to step and reset when the
 * streams wrap (truncated BPTT). Window models (gpt, linear-gpt, markov) read `batch` random windows of
 * `seq` characters, drawn by the task's own generator (seeded `seed + 1`).
 *
 *   x, y: (B, T) int32, y[b, t] = x[b, t + 1] in the text;   logits: (B, T, V)
 *
 * Resumable state: the stream position, the window generator, and the hidden state (hidden.safetensors).
 *
 * @example
 *   const task = new CharLMTask({ text, config: { data: 'moby-dick', dataHash: '', batch: 32, seq: 64,
 *     evalBatches: 20, sampleLength: 300 }, model: 'lstm', modelConfig: findModel('lstm')!.defaults, seed: 0 });
 */
import { noGrad } from '../../core/autograd.js';
import { fromArray } from '../../core/creation.js';
import { Generator } from '../../core/random.js';
import { Tensor } from '../../core/tensor.js';
import { randomWindows, StreamBatcher } from '../../data/batches.js';
import { DataError } from '../../data/data-error.js';
import { trainValSplit } from '../../data/split.js';
import { CharVocab } from '../../data/vocab.js';
import { CheckpointError } from '../../io/checkpoint.js';
import { generate, type SamplingOptions } from '../../models/sampling.js';
import type { Module } from '../../nn/module.js';
import { crossEntropy } from '../../nn/functional.js';
import type { Evaluation, ModelDescription, Task, TaskFiles } from '../../train/task.js';
import { evaluateLoss } from './evaluate.js';
import type { LanguageModel, LMState } from './language-model.js';
import { findModel, MODELS, type ModelSpec } from './models.js';

/** The task's settings, saved in checkpoints (`taskConfig`). */
export interface CharLMConfig {
  /** The text: an absolute file path, or `moby-dick` (the built-in corpus). */
  data: string;
  /** SHA-256 of the text, so a resumed run can refuse a changed file ('' when unknown). */
  dataHash: string;
  /** Streams (recurrent) or windows per step. */
  batch: number;
  /** Characters per stream and step (recurrent), or per window (a GPT's block size bounds it). */
  seq: number;
  /** Batches read by a periodic validation (the final one reads the whole split). */
  evalBatches: number;
  /** Characters `loom train` samples at the end (0 = none). */
  sampleLength: number;
}

/** The task's state between steps, saved in checkpoints (`taskState`). */
export interface CharLMState {
  /** The stream position (recurrent models). */
  position?: number;
  /** The window generator's state. */
  rng: (number | null)[];
}

/** A training batch: `x` and `y` (B, T) row-major, and whether the streams start over (reset the state). */
export interface CharLMBatch {
  x: Int32Array;
  y: Int32Array;
  reset: boolean;
}

export interface CharLMTaskOptions {
  config: CharLMConfig;
  /** The text itself (the task reads no files). */
  text: string;
  /** The text's name in messages, as the user wrote it (default: `config.data`). */
  dataName?: string;
  /** A model name of MODELS. */
  model: string;
  /** The model's config; vocabSize is set from the vocabulary. */
  modelConfig: Record<string, unknown>;
  /** The vocabulary (a resumed run's); default: every character of the text. */
  vocab?: CharVocab;
  /** The run's seed: the window generator starts at `seed + 1`, the final sample at `seed`. */
  seed: number;
}

/** The sampling of the sample that ends a run. */
export const FINAL_SAMPLING: SamplingOptions = { temperature: 0.8, topP: 0.95 };

export class CharLMTask implements Task<CharLMConfig, CharLMBatch, CharLMState> {
  readonly name = 'char-lm';
  readonly unit = 'tokens';
  readonly config: CharLMConfig;
  readonly spec: ModelSpec;
  readonly vocab: CharVocab;
  readonly modelConfig: Record<string, unknown>;
  readonly trainIds: Int32Array;
  readonly valIds: Int32Array;
  /** The model, once createModel() has run. */
  lm: LanguageModel | null = null;
  private readonly seed: number;
  private readonly windows: Generator;
  private readonly stream: StreamBatcher | null;
  private state: LMState = null;

  constructor({ config, text, dataName = config.data, model, modelConfig, vocab, seed }: CharLMTaskOptions) {
    const problem = charLMConfigProblem(config);
    if (problem) throw new Error(`CharLMTask: invalid config: ${problem}`);
    const spec = findModel(model);
    if (!spec) throw new Error(`CharLMTask: unknown model '${model}'; the models are ${MODELS.map((m) => m.name).join(', ')}`);
    this.config = config;
    this.spec = spec;
    this.seed = seed;
    this.vocab = vocab ?? new CharVocab(text);
    this.modelConfig = { ...modelConfig, vocabSize: this.vocab.size };
    let ids: Int32Array;
    try {
      ids = this.vocab.encode(text);
    } catch (e) {
      // a given vocabulary (a checkpoint's) that does not cover the text
      throw new DataError(`data file '${dataName}' does not fit the model's vocabulary: ${(e as Error).message.replace(/^CharVocab\.encode: /, '')}`);
    }
    const { train, val } = trainValSplit(ids);
    checkDataSize(dataName, train.length, val.length, spec.recurrent, config.batch, config.seq);
    this.trainIds = train;
    this.valIds = val;
    this.windows = new Generator(seed + 1);
    this.stream = spec.recurrent ? new StreamBatcher(train, config.batch, config.seq) : null;
  }

  memoryEstimate(): number {
    return this.spec.stepBytes(this.modelConfig as never, this.config.batch, this.config.seq);
  }

  describeModel(): ModelDescription {
    return { name: this.spec.name, config: this.modelConfig, vocab: this.vocab.toJSON() };
  }

  createModel(): Module {
    this.lm = this.spec.create(this.modelConfig as never);
    return this.lm.module;
  }

  nextBatch(): CharLMBatch {
    const { batch: B, seq: T } = this.config;
    if (this.stream) return this.stream.next();
    return { ...randomWindows(this.trainIds, B, T, () => this.windows.uniform()), reset: false };
  }

  batchSize(batch: CharLMBatch): number {
    return batch.x.length;
  }

  loss({ x, y, reset }: CharLMBatch): Tensor {
    const lm = this.model();
    const { batch: B, seq: T } = this.config;
    if (lm.recurrent && (reset || this.state === null)) this.state = lm.zeroState(B);
    const [logits, next] = lm.forward(fromArray(x, [B, T], { dtype: 'int32' }), this.state); // (B, T, V)
    const loss = crossEntropy(logits.reshape([B * T, this.vocab.size]), fromArray(y, [B * T], { dtype: 'int32' }));
    this.state = lm.detachState(next); // the next step starts from these values, without this step's graph
    // ... and they outlive the step's scope (the training loop releases the rest of the step at its end)
    for (const t of stateTensors(this.state)) t.storage.kept = true;
    return loss;
  }

  evaluate(kind: 'periodic' | 'final'): Evaluation {
    const { batch, seq, evalBatches } = this.config;
    if (kind === 'periodic') {
      const { loss } = evaluateLoss(this.model(), this.valIds, { batch, seq, maxBatches: evalBatches });
      return { metrics: { val_loss: loss }, summary: `validation loss ${loss.toFixed(4)} (${evalBatches} batches)` };
    }
    const { loss, count } = evaluateLoss(this.model(), this.valIds, { batch, seq });
    return {
      metrics: { val_loss: loss },
      summary:
        `validation loss ${loss.toFixed(4)} nats/char (${(loss / Math.LN2).toFixed(3)} bits/char, ` +
        `perplexity ${Math.exp(loss).toFixed(2)}) over ${count.toLocaleString('en-US')} characters`,
    };
  }

  saveState(): { json: CharLMState; tensors?: Record<string, Map<string, Tensor>> } {
    const json: CharLMState = this.stream ? { position: this.stream.position, rng: this.windows.getState() } : { rng: this.windows.getState() };
    if (!this.spec.recurrent || this.state === null) return { json };
    return { json, tensors: { 'hidden.safetensors': new Map(stateTensors(this.state).map((t, i) => [`state.${i}`, t])) } };
  }

  loadState(json: CharLMState, files: TaskFiles): void {
    try {
      if (this.stream) this.stream.position = json.position ?? 0;
      this.windows.setState(json.rng as number[]);
    } catch (e) {
      throw new Error(`invalid data position or RNG state: ${(e as Error).message}`);
    }
    if (!this.spec.recurrent) return;
    const saved = files.read('hidden.safetensors');
    if (!saved) {
      this.state = null;
      return;
    }
    const path = files.where('hidden.safetensors');
    const template = this.model().zeroState(this.config.batch);
    const tensors = stateTensors(template).map((want, i) => {
      const t = saved.get(`state.${i}`);
      if (!t) throw new CheckpointError(`checkpoint file '${path}' lacks the tensor 'state.${i}'`);
      if (t.shape.join() !== want.shape.join())
        throw new CheckpointError(`checkpoint file '${path}' has 'state.${i}' of shape [${t.shape.join(', ')}], but the run needs [${want.shape.join(', ')}]`);
      return t;
    });
    this.state = rebuildState(template, tensors);
  }

  /**
   * `length` characters from the trained model, each passed to `emit` as it is drawn: from a line
   * break (or the vocabulary's first character), with FINAL_SAMPLING and a generator seeded `seed`.
   */
  sample(length: number, emit: (text: string) => void): void {
    const lm = this.model();
    const start = this.vocab.chars.includes('\n') ? '\n' : this.vocab.chars[0];
    noGrad(() => {
      lm.module.eval();
      generate(lm.decoder(), this.vocab.encode(start), length, FINAL_SAMPLING, new Generator(this.seed), (id) => emit(this.vocab.decode([id])));
    });
  }

  private model(): LanguageModel {
    if (!this.lm) throw new Error('CharLMTask: call createModel() first');
    return this.lm;
  }
}

/** What is wrong with a char-lm config read from a file, as a phrase naming the field, or null. */
export function charLMConfigProblem(config: object): string | null {
  const c = config as Record<string, unknown>;
  const want = (ok: boolean, key: string, what: string) => (ok ? null : `${key} = ${JSON.stringify(c[key])}, expected ${what}`);
  const isInt = (k: string, min: number) => Number.isInteger(c[k]) && (c[k] as number) >= min;
  return (
    want(typeof c.data === 'string', 'data', 'a file path') ??
    want(typeof c.dataHash === 'string', 'dataHash', 'a SHA-256 hex string') ??
    want(isInt('batch', 1), 'batch', 'a positive integer') ??
    want(isInt('seq', 1), 'seq', 'a positive integer') ??
    want(isInt('evalBatches', 1), 'evalBatches', 'a positive integer') ??
    want(isInt('sampleLength', 0), 'sampleLength', 'a non-negative integer')
  );
}

/** A text too short for the batch shape gets a clear sentence instead of a batching error. */
function checkDataSize(name: string, trainLen: number, valLen: number, recurrent: boolean, B: number, T: number): void {
  const need = recurrent ? B * (T + 1) : T + 1;
  if (trainLen < need)
    throw new DataError(
      `data file '${name}' is too short for --batch ${B} --seq ${T}: its training split (90%) has ${trainLen} characters, ` +
        `${recurrent ? `${B} streams of ${T + 1}` : `a window of ${T + 1}`} need ${need}`,
    );
  if (valLen < 2) throw new DataError(`data file '${name}' is too short: its validation split (last 10%) has ${valLen} characters, at least 2 are needed`);
}

/** The tensors of a state (a tensor or nested arrays of tensors), in order. */
function stateTensors(state: unknown): Tensor[] {
  if (state === null || state === undefined) return [];
  if (state instanceof Tensor) return [state];
  if (Array.isArray(state)) return state.flatMap((s) => stateTensors(s));
  throw new TypeError(`stateTensors: expected a Tensor or an array of tensors, got ${String(state)}`);
}

/** `template` with its tensors replaced, in order, by `tensors`. */
function rebuildState<S>(template: S, tensors: Tensor[]): S {
  let i = 0;
  const walk = (s: unknown): unknown => (s instanceof Tensor ? tensors[i++] : Array.isArray(s) ? s.map(walk) : s);
  return walk(template) as S;
}
