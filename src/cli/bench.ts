/**
 * `loom bench`: the throughput workloads of shared/bench/WORKLOADS.md, on the fast kernels (WebAssembly
 * SIMD on every core) and on the plain-TypeScript reference kernels.
 *
 * The first line printed is one JSON object with exactly the keys of WORKLOADS.md plus the same keys
 * with the suffix `_ref`; details follow. The reference runs in a child process of its own (fewer
 * repetitions: it is slow), so that each side's peak memory (`rss_mb`) and JIT state are its own.
 *
 * The workloads are the same as shared/bench/torch_anchor.py: random data of the stated shapes, timing
 * after warm-up, median of the timed repetitions.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { backend, setBackend, type Backend } from '../backends/backend.js';
import { profiled } from '../backends/profile.js';
import { referenceBackend } from '../backends/reference.js';
import { createWasmBackend, type WasmBackend } from '../backends/wasm/backend.js';
import { noGrad } from '../core/autograd.js';
import { fromArray, randint, randn } from '../core/creation.js';
import { heap } from '../core/memory.js';
import { Generator, manualSeed } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { CharRNN } from '../models/char-rnn.js';
import { GPT } from '../models/gpt.js';
import { ReLU } from '../nn/layers/activations.js';
import { BatchNorm2d } from '../nn/layers/batchnorm.js';
import { Sequential } from '../nn/layers/containers.js';
import { Embedding } from '../nn/layers/embedding.js';
import { Flatten } from '../nn/layers/reshape.js';
import { Conv2d } from '../nn/vision/conv.js';
import { MaxPool2d } from '../nn/vision/pooling.js';
import { crossEntropy } from '../nn/functional.js';
import { Linear } from '../nn/layers/linear.js';
import { GRU } from '../nn/recurrent/rnn.js';
import { Adam, AdamW } from '../optim/adam.js';
import { clipGradNorm } from '../optim/clip.js';
import { num, UsageError, type Command } from './args.js';

const V = 65;

/** The keys of WORKLOADS.md, in its order. */
export const BENCH_KEYS = ['sgemm512_gflops', 'lstm_train_tok_s', 'gpt_train_tok_s', 'gru_generate_tok_s', 'cnn_train_img_s', 'rss_mb'] as const;
type Key = (typeof BENCH_KEYS)[number];

/** Warm-up and timed repetitions of a workload. */
interface Reps {
  warm: number;
  timed: number;
}

/** Repetitions per workload: as torch_anchor.py for the fast kernels, a minimum for the reference. */
const FAST: Record<'sgemm' | 'train' | 'generate', Reps> = { sgemm: { warm: 3, timed: 50 }, train: { warm: 3, timed: 10 }, generate: { warm: 20, timed: 20 } };
const SLOW: Record<'sgemm' | 'train' | 'generate', Reps> = { sgemm: { warm: 1, timed: 2 }, train: { warm: 1, timed: 1 }, generate: { warm: 1, timed: 1 } };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median seconds of `fn` over `timed` calls after `warm` calls. */
function time(fn: () => void, { warm, timed }: Reps): number {
  heap.collect(); // each workload starts without the previous one's garbage
  for (let i = 0; i < warm; i++) fn();
  const secs: number[] = [];
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    fn();
    secs.push((performance.now() - t0) / 1000);
  }
  return median(secs);
}

// ---- workloads (each returns its step function; the caller times it) ----------------------------

/** C = A @ B, 512 x 512, through the Tensor API. */
function sgemmStep(): () => void {
  const a = randn([512, 512]);
  const b = randn([512, 512]);
  return () => void a.matmul(b);
}

/** Char LSTM LM: vocab 65, embedding 64, 2 x LSTM 256, batch 32, sequence 64; Adam, clip 1.0. */
function lstmStep(): () => void {
  const [B, T] = [32, 64];
  const model = new CharRNN({ cell: 'lstm', vocabSize: V, embed: 64, hidden: 256, layers: 2, dropout: 0 });
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randint(0, V, [B, T]);
  const y = randint(0, V, [B, T]);
  return () => {
    opt.zeroGrad();
    const [logits] = model.forward(x); // (B, T, V), zero initial state
    const loss = crossEntropy(logits.reshape(-1, V), y.reshape(-1));
    loss.backward();
    clipGradNorm(model.parameters(), 1.0);
    opt.step();
  };
}

/** GPT: vocab 65, 4 pre-LN layers, 4 heads, d 128, FFN 512 GELU, learned positions, causal; B 16, T 128; AdamW. */
function gptStep(): () => void {
  const [B, T] = [16, 128];
  // torch_anchor.py's model: untied head, biases everywhere (its head has a bias; this one has none)
  const model = new GPT({ vocabSize: V, blockSize: T, nLayer: 4, nHead: 4, nEmbd: 128, dropout: 0, tiedHead: false, bias: true });
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const x = randint(0, V, [B, T]);
  const y = randint(0, V, [B, T]);
  return () => {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x).reshape(-1, V), y.reshape(-1));
    loss.backward();
    opt.step();
  };
}

/** Sampling 200 tokens one at a time, batch 1: embedding 64, 2 x GRU 256, head to 65, softmax, multinomial. */
function gruGenerateStep(n = 200): () => void {
  const emb = new Embedding(V, 64);
  const rnn = new GRU(64, 256, { numLayers: 2, batchFirst: true });
  const head = new Linear(256, V);
  const gen = new Generator(0);
  return () =>
    noGrad(() => {
      let token = 0;
      let h: Tensor | null = null;
      for (let i = 0; i < n; i++) {
        const [o, hn] = rnn.forward(emb.forward(fromArray([token], [1, 1], { dtype: 'int32' })), h); // (1, 1, 256)
        h = hn;
        const p = head.forward(o.select(1, 0)).softmax(-1).toArray(); // (1, 65)
        token = multinomial(p, gen);
      }
    });
}

/**
 * The image classifier of WORKLOADS.md: Conv2d(1, 32, 3, padding 1), BatchNorm2d, ReLU, MaxPool2d(2),
 * Conv2d(32, 64, 3, padding 1), BatchNorm2d, ReLU, MaxPool2d(2), flatten, Linear(3136, 128), ReLU,
 * Linear(128, 10); input (64, 1, 28, 28); cross-entropy, backward, Adam 1e-3.
 */
function cnnStep(): () => void {
  const B = 64;
  const model = new Sequential(
    new Conv2d(1, 32, 3, { padding: 1 }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
    new Conv2d(32, 64, 3, { padding: 1 }), new BatchNorm2d(64), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(3136, 128), new ReLU(), new Linear(128, 10),
  );
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const x = randn([B, 1, 28, 28]);
  const y = randint(0, 10, [B]);
  return () => {
    opt.zeroGrad();
    crossEntropy(model.forward(x), y).backward();
    opt.step();
  };
}

/** One draw from a probability vector (torch.multinomial with one sample). */
function multinomial(p: ArrayLike<number>, gen: Generator): number {
  let u = gen.uniform();
  for (let i = 0; i < p.length; i++) {
    u -= p[i];
    if (u < 0) return i;
  }
  return p.length - 1;
}

type Figures = Record<Key, number | null>;

const emptyFigures = (): Figures => Object.fromEntries(BENCH_KEYS.map((k) => [k, null])) as Figures;

/** Runs every workload on the current backend. */
function runAll(reps: typeof FAST, only: Set<string> | null, log: (s: string) => void): Figures {
  const want = (k: Key) => !only || only.has(k);
  manualSeed(0);
  const out = emptyFigures();
  if (want('sgemm512_gflops')) {
    const s = time(sgemmStep(), reps.sgemm);
    out.sgemm512_gflops = (2 * 512 ** 3) / s / 1e9;
    log(`sgemm512: ${(s * 1e3).toFixed(2)} ms per product`);
  }
  if (want('lstm_train_tok_s')) {
    const s = time(lstmStep(), reps.train);
    out.lstm_train_tok_s = (32 * 64) / s;
    log(`lstm train: ${(s * 1e3).toFixed(1)} ms per step`);
  }
  if (want('gpt_train_tok_s')) {
    const s = time(gptStep(), reps.train);
    out.gpt_train_tok_s = (16 * 128) / s;
    log(`gpt train: ${(s * 1e3).toFixed(1)} ms per step`);
  }
  if (want('gru_generate_tok_s')) {
    const s = time(gruGenerateStep(), reps.generate);
    out.gru_generate_tok_s = 200 / s;
    log(`gru generate: ${(s * 1e3).toFixed(1)} ms per 200 tokens`);
  }
  if (want('cnn_train_img_s')) {
    const s = time(cnnStep(), reps.train);
    out.cnn_train_img_s = 64 / s;
    log(`cnn train: ${(s * 1e3).toFixed(1)} ms per step`);
  }
  out.rss_mb = process.resourceUsage().maxRSS / 1024;
  return out;
}

/** Kernel time of one step of each training workload, and what is left for JavaScript and collection. */
function profile(log: (s: string) => void): void {
  const base = backend();
  const collect = heap.collect;
  let gcMs = 0;
  let gcCalls = 0;
  heap.collect = function (this: typeof heap) {
    const t0 = performance.now();
    collect.call(this);
    gcMs += performance.now() - t0;
    gcCalls++;
  };
  try {
    for (const [name, make] of [['LSTM', lstmStep], ['GPT', gptStep], ['CNN', cnnStep]] as const) {
      const step = make();
      for (let i = 0; i < 3; i++) step();
      const p = profiled(base);
      setBackend(p.backend);
      const steps = 5;
      gcMs = 0;
      gcCalls = 0;
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) step();
      const total = (performance.now() - t0) / steps;
      setBackend(base);
      const rows = p.times();
      const kernels = rows.reduce((a, r) => a + r.ms, 0) / steps;
      log(`\n${name} train step on ${base.name}: ${total.toFixed(1)} ms (mean of ${steps}, kernels timed one by one)`);
      log(`  ${'kernel'.padEnd(28)}${'calls'.padStart(7)}${'ms/step'.padStart(10)}${'share'.padStart(8)}`);
      for (const r of rows) {
        const ms = r.ms / steps;
        if (ms < 0.05 * (total / 100)) continue;
        log(`  ${r.name.padEnd(28)}${String(Math.round(r.calls / steps)).padStart(7)}${ms.toFixed(2).padStart(10)}${((100 * ms) / total).toFixed(1).padStart(7)}%`);
      }
      const gc = gcMs / steps;
      log(`  ${'heap.collect (forced GC)'.padEnd(28)}${(gcCalls / steps).toFixed(1).padStart(7)}${gc.toFixed(2).padStart(10)}${((100 * gc) / total).toFixed(1).padStart(7)}%`);
      const rest = total - kernels - gc;
      log(`  ${'JavaScript (ops, autograd)'.padEnd(28)}${''.padStart(7)}${rest.toFixed(2).padStart(10)}${((100 * rest) / total).toFixed(1).padStart(7)}%`);
    }
  } finally {
    setBackend(base);
    heap.collect = collect;
  }
}

function fmtFigures(f: Figures, suffix = ''): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of BENCH_KEYS) out[k + suffix] = f[k] === null ? null : Math.round(f[k]! * 10) / 10;
  return out;
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'throughput of the WORKLOADS.md workloads, fast and reference kernels (one JSON line first)',
  usage: 'loom bench [--threads N] [--no-ref] [--only KEY,...] [--profile]',
  options: {
    threads: { type: 'string' },
    backend: { type: 'string' },
    only: { type: 'string' },
    'no-ref': { type: 'boolean' },
    profile: { type: 'boolean' },
    quick: { type: 'boolean' },
  },
  help: {
    threads: `threads of the fast kernels, counting the main one (default ${availableParallelism()}, the cores)`,
    backend: "'wasm' (default) or 'reference': run one side only, JSON keys without suffix",
    only: `a comma-separated subset of ${BENCH_KEYS.slice(0, -1).join(', ')}`,
    'no-ref': 'skip the reference kernels (their keys are null)',
    profile: 'after the figures, time every kernel of one LSTM, one GPT and one CNN training step',
    quick: 'fewer repetitions (the reference counts), for a rough figure',
  },
  async run(values) {
    const threads = num(values, 'threads', availableParallelism(), { int: true, min: 1 });
    const side = (values.backend as string | undefined) ?? 'both';
    if (!['both', 'wasm', 'reference'].includes(side)) throw new UsageError(`--backend must be 'wasm' or 'reference', got '${side}'`);
    const only = values.only ? new Set(String(values.only).split(',')) : null;
    for (const k of only ?? []) if (!(BENCH_KEYS as readonly string[]).includes(k)) throw new UsageError(`--only: unknown key '${k}'; keys: ${BENCH_KEYS.join(', ')}`);
    const details: string[] = [];
    const log = (s: string) => details.push(s);

    if (side === 'reference') {
      setBackend(referenceBackend);
      console.log(JSON.stringify(fmtFigures(runAll(SLOW, only, log))));
      details.forEach((d) => console.log(d));
      return 0;
    }
    // the backend installed at start-up when it has the thread count asked for, else one of our own
    const previous: Backend = backend();
    const installed = 'pool' in previous && (previous as WasmBackend).threads === threads;
    const fast = installed ? (previous as WasmBackend) : await createWasmBackend({ threads });
    let figures: Figures;
    setBackend(fast);
    try {
      log(`fast kernels: ${fast.name}`);
      figures = runAll(values.quick ? SLOW : FAST, only, log);
      if (values.profile) profile(log);
    } finally {
      setBackend(previous);
      if (!installed) await fast.close();
    }
    if (side === 'wasm') {
      console.log(JSON.stringify(fmtFigures(figures)));
      details.forEach((d) => console.log(d));
      return 0;
    }
    let ref: Record<string, number | null> = fmtFigures(emptyFigures(), '_ref');
    if (!values['no-ref']) {
      const bin = fileURLToPath(new URL('../../../bin/loom.js', import.meta.url));
      const args = [bin, 'bench', '--backend', 'reference', ...(values.only ? ['--only', String(values.only)] : [])];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, LOOM_BACKEND: 'reference' } });
      if (child.status !== 0) throw new Error(`bench: the reference run failed (exit ${child.status}):\n${child.stderr}`);
      const [first, ...rest] = child.stdout.trim().split('\n');
      const parsed = JSON.parse(first) as Record<string, number | null>;
      ref = Object.fromEntries(BENCH_KEYS.map((k) => [`${k}_ref`, parsed[k]]));
      log('reference kernels (child process):');
      rest.forEach((l) => log(`  ${l}`));
    }
    console.log(JSON.stringify({ ...fmtFigures(figures), ...ref }));
    details.forEach((d) => console.log(d));
    return 0;
  },
};
