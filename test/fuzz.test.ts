// Seeded fuzzing of every reader of user files: mutated safetensors files, checkpoints (config.json and
// tensor files, with and without their digests), text files, IDX files, pronunciation dictionaries and CSV series. Every load either succeeds
// or fails with the project's own error type in one line, each in bounded time. A failure lists every
// case by its number and mutation (the seeds are fixed, so it replays; LOOM_FUZZ_TRACE=1 prints each
// case as it starts, to find one that hangs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import '../src/node.js';
import { OutOfMemoryError } from '../src/core/memory.js';
import { DataError, readTextFile } from '../src/data/corpus.js';
import { parseIdx } from '../src/data/fashion-mnist.js';
import { parseDictionary } from '../src/data/pronunciations.js';
import { parseSeriesCsv } from '../src/data/series-csv.js';
import { CheckpointError, decodeCheckpoint, type CheckpointFiles } from '../src/io/checkpoint.js';
import { parseSafetensors, SafetensorsError, serializeSafetensors } from '../src/io/safetensors.js';
import { CharLMTask, charLMConfigProblem, charLMModel, findModel, loadCharLM, type CharLMConfig } from '../src/tasks/char-lm/index.js';
import { train } from '../src/train/loop.js';
import { trainOptionsProblem, type TrainOptions } from '../src/train/options.js';
import { MemoryRunStorage } from '../src/train/storage.js';
import { makeText } from './helpers/text.js';

const PROJECT_ERRORS = [DataError, CheckpointError, SafetensorsError, OutOfMemoryError];
/** Per load: a reader that takes longer has found a hang (or a pathological slow path). */
const MAX_MS = 3000;

/** mulberry32: a small seeded generator for the mutations. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = { name: string; apply(bytes: Uint8Array, r: () => number): Uint8Array };
const int = (r: () => number, n: number) => Math.floor(r() * n);

/** Byte-level damage: flips, truncation, insertions, a header length overwritten, a chunk repeated. */
const BYTE_MUTATIONS: Mutation[] = [
  { name: 'flip bytes', apply: (b, r) => { const c = b.slice(); for (let i = 0, n = 1 + int(r, 16); i < n; i++) c[int(r, c.length)] = int(r, 256); return c; } },
  { name: 'truncate', apply: (b, r) => b.slice(0, int(r, b.length)) },
  { name: 'insert bytes', apply: (b, r) => { const at = int(r, b.length + 1); const ins = Uint8Array.from({ length: 1 + int(r, 32) }, () => int(r, 256)); return Uint8Array.from([...b.subarray(0, at), ...ins, ...b.subarray(at)]); } },
  { name: 'first 8 bytes', apply: (b, r) => { const c = b.slice(); for (let i = 0; i < Math.min(8, c.length); i++) c[i] = [0, 255, int(r, 256)][int(r, 3)]; return c; } },
  { name: 'repeat a chunk', apply: (b, r) => { const s = int(r, b.length); const e = Math.min(b.length, s + 1 + int(r, 64)); return Uint8Array.from([...b, ...b.subarray(s, e)]); } },
];

const SPECIAL_VALUES: unknown[] = [-1, 0, 1e308, -1e308, 1.5, 2 ** 53, 'x', '', null, true, [], {}, [1, 2], 'NaN'];

/** JSON-level damage: a value anywhere in the document replaced by a hostile one, or a key deleted. */
function mutateJson(doc: unknown, r: () => number): { doc: unknown; what: string } {
  const copy = structuredClone(doc);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (path.length) paths.push(path);
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(copy, []);
  const path = paths[int(r, paths.length)];
  let parent = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const key = path[path.length - 1];
  if (r() < 0.2 && !Array.isArray(parent)) {
    delete parent[key];
    return { doc: copy, what: `deleted ${path.join('.')}` };
  }
  const value = SPECIAL_VALUES[int(r, SPECIAL_VALUES.length)];
  parent[key] = value;
  return { doc: copy, what: `${path.join('.')} = ${JSON.stringify(value)}` };
}

/** Runs `load`; it must succeed or throw a project error in one line, within MAX_MS. Returns what went wrong, or null. */
async function problemOf(what: string, load: () => unknown): Promise<string | null> {
  const t0 = performance.now();
  try {
    await load();
  } catch (e) {
    if (!PROJECT_ERRORS.some((E) => e instanceof E)) return `${what}: threw ${(e as Error)?.stack?.split('\n').slice(0, 3).join(' | ') ?? String(e)}`;
    if ((e as Error).message.includes('\n')) return `${what}: a multi-line message: ${(e as Error).message}`;
  }
  const ms = performance.now() - t0;
  return ms < MAX_MS ? null : `${what}: took ${Math.round(ms)} ms`;
}

/** Runs every case and fails once, listing every problem found. */
async function fuzz(cases: Iterable<[string, () => unknown]>): Promise<void> {
  const problems: string[] = [];
  for (const [what, load] of cases) {
    if (process.env.LOOM_FUZZ_TRACE) console.error(what);
    const p = await problemOf(what, load);
    if (p) problems.push(p);
  }
  assert.deepEqual(problems, []);
}

test('safetensors files: every mutation parses or is refused with a SafetensorsError', async () => {
  const valid = serializeSafetensors(
    { w: { dtype: 'F32', shape: [3, 4], data: new Float32Array(12).map((_, i) => i / 7) }, ids: { dtype: 'I64', shape: [5], data: new BigInt64Array(5).map((_, i) => BigInt(i)) } },
    { format: 'pt' },
  );
  const r = generator(1);
  await fuzz(function* () {
    for (let i = 0; i < 300; i++) {
      const m = BYTE_MUTATIONS[i % BYTE_MUTATIONS.length];
      const bytes = m.apply(valid, r);
      yield [`safetensors #${i} (${m.name})`, () => parseSafetensors(bytes, 'fuzz.safetensors')];
    }
  }());
});

test('IDX files: every mutation parses or is refused with a DataError', async () => {
  const header = [0, 0, 0x08, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 4];
  const valid = Uint8Array.from([...header, ...Array.from({ length: 32 }, (_, i) => i)]);
  const r = generator(2);
  await fuzz(function* () {
    for (let i = 0; i < 300; i++) {
      const m = BYTE_MUTATIONS[i % BYTE_MUTATIONS.length];
      const bytes = m.apply(valid, r);
      yield [`idx #${i} (${m.name})`, () => parseIdx(bytes, 'fuzz-idx')];
    }
  }());
});

test('text files: every mutation reads or is refused with a DataError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'loom-fuzz-'));
  try {
    const valid = new TextEncoder().encode('\uFEFFCall me Ishmael.\r\nSome years ago — never mind how long — ü ∑ 🐋\n');
    const r = generator(3);
    await fuzz(function* () {
      for (let i = 0; i < 100; i++) {
        const m = BYTE_MUTATIONS[i % BYTE_MUTATIONS.length];
        const path = join(dir, `t${i}.txt`);
        writeFileSync(path, m.apply(valid, r));
        yield [`text #${i} (${m.name})`, () => readTextFile(path)];
      }
    }());
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('pronunciation dictionaries (CMUdict layout): every mutation parses or is refused with a DataError', async () => {
  const valid = new TextEncoder().encode(";;; a comment\nLOOM  L UW1 M\nREAD  R IY1 D\nREAD(1)  R EH1 D\nA\tAH0\n\nISHMAEL  IH1 SH M EY0 L\n");
  const r = generator(6);
  await fuzz(function* () {
    for (let i = 0; i < 300; i++) {
      const m = BYTE_MUTATIONS[i % BYTE_MUTATIONS.length];
      const bytes = m.apply(valid, r);
      yield [`dictionary #${i} (${m.name})`, () => parseDictionary(bytes, { name: 'fuzz.dict' })];
    }
  }());
});

test('CSV series: every mutation parses or is refused with a DataError', async () => {
  const valid = new TextEncoder().encode('date,births,note\n1988-01-01,7000,a\n1988-01-02,7500,"b, c"\n1988-01-03,8000,\n1988-01-04,9100.5,d\n');
  const r = generator(7);
  await fuzz(function* () {
    for (let i = 0; i < 300; i++) {
      const m = BYTE_MUTATIONS[i % BYTE_MUTATIONS.length];
      const text = new TextDecoder().decode(m.apply(valid, r));
      yield [`csv #${i} (${m.name})`, () => parseSeriesCsv(text, { name: 'fuzz.csv', date: 'date', value: 'births' })];
    }
  }());
});

test('checkpoints: every mutation of config.json or a tensor file loads, resumes or is refused in one sentence', { timeout: 120_000 }, async () => {
  const text = makeText(1500, 5);
  const spec = findModel('gru')!;
  const config: CharLMConfig = { data: 'fuzz', dataHash: '', batch: 2, seq: 8, evalBatches: 1, sampleLength: 0 };
  const options: TrainOptions = { steps: 2, lr: 1e-2, optimizer: 'adam', weightDecay: 0, clip: 1, schedule: 'cosine', warmup: 1, seed: 4, evalEvery: 0, checkpointEvery: 1 };
  const modelConfig = { ...spec.defaults, embed: 4, hidden: 8, layers: 1 };
  const storage = new MemoryRunStorage();
  const task = new CharLMTask({ config, text, model: 'gru', modelConfig, seed: 4 });
  task.evaluate = () => ({ metrics: {}, summary: '' });
  await train(task, options, { storage });
  const valid = storage.checkpoint!;
  const meta = JSON.parse(new TextDecoder().decode(valid.get('config.json')));

  /** What the CLI does with a checkpoint: load it for eval/sample, and resume it one step further. */
  const use = async (files: CheckpointFiles) => {
    const ckpt = decodeCheckpoint(files, 'fuzz');
    loadCharLM(ckpt);
    const { vocab, config: mc } = charLMModel(ckpt);
    const taskProblem = charLMConfigProblem(ckpt.meta.taskConfig);
    const loopProblem = trainOptionsProblem(ckpt.meta.training);
    if (taskProblem || loopProblem) throw new CheckpointError(`invalid settings: ${taskProblem ?? loopProblem}`);
    const o = { ...(ckpt.meta.training as unknown as TrainOptions) };
    o.steps = Math.min(ckpt.meta.step + 1, 4);
    const resumed = new CharLMTask({ config: ckpt.meta.taskConfig as unknown as CharLMConfig, text, model: ckpt.meta.model, modelConfig: mc, vocab, seed: o.seed });
    resumed.evaluate = () => ({ metrics: {}, summary: '' });
    await train(resumed, o, { storage: new MemoryRunStorage(), resumeFrom: ckpt });
  };
  assert.equal(await problemOf('the valid checkpoint', () => use(valid)), null);

  const r = generator(4);
  const withoutDigests = (files: CheckpointFiles) => {
    const { digests: _, ...rest } = meta;
    return new Map(files).set('config.json', new TextEncoder().encode(JSON.stringify(rest)));
  };
  await fuzz(function* (): Generator<[string, () => unknown]> {
  for (let i = 0; i < 400; i++) {
    const files = new Map(valid);
    let what: string;
    if (i % 3 === 0) {
      const { doc, what: w } = mutateJson(meta, r);
      files.set('config.json', new TextEncoder().encode(JSON.stringify(doc)));
      what = `config.json: ${w}`;
    } else {
      // tensor files without digests (as older checkpoints are): the readers behind the digest check
      const base = withoutDigests(valid);
      const name = ['model.safetensors', 'optimizer.safetensors', 'hidden.safetensors'][int(r, 3)];
      const m = BYTE_MUTATIONS[int(r, BYTE_MUTATIONS.length)];
      base.set(name, m.apply(valid.get(name)!, r));
      for (const [k, v] of base) files.set(k, v);
      what = `${name}: ${m.name}`;
    }
    yield [`checkpoint #${i} (${what})`, () => use(files)];
  }
  }());
});
