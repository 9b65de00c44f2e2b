/**
 * The throughput workloads of shared/bench/WORKLOADS.md, the same as shared/bench/torch_anchor.py:
 * random data of the stated shapes, timing after warm-up, median of the timed repetitions. Browser-safe:
 * `loom bench` runs them in Node, `loom bench --browser` in a page.
 */
import { noGrad } from '../core/autograd.js';
import { fromArray, randint, randn } from '../core/creation.js';
import { heap } from '../core/memory.js';
import { Generator, manualSeed } from '../core/random.js';
import { scope } from '../core/storage.js';
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

const V = 65;

/** The keys of WORKLOADS.md, in its order. */
export const BENCH_KEYS = ['sgemm512_gflops', 'lstm_train_tok_s', 'gpt_train_tok_s', 'gru_generate_tok_s', 'gpt_large_train_tok_s', 'cnn_train_img_s', 'rss_mb'] as const;
export type BenchKey = (typeof BENCH_KEYS)[number];

/** Warm-up and timed repetitions of a workload. */
export interface Reps {
  warm: number;
  timed: number;
}

/**
 * Repetitions per workload: as torch_anchor.py for the fast kernels, a minimum for the reference. The
 * large GPT's step takes seconds on the fast kernels (minutes on the reference), so it gets fewer: one
 * warm-up and the median of 3 steps (torch_anchor.py: 3 and 10), and one step without warm-up on the
 * reference.
 */
export const FAST: Record<'sgemm' | 'train' | 'trainLarge' | 'generate', Reps> = {
  sgemm: { warm: 3, timed: 50 }, train: { warm: 3, timed: 10 }, trainLarge: { warm: 1, timed: 3 }, generate: { warm: 20, timed: 20 },
};
export const SLOW: typeof FAST = {
  sgemm: { warm: 1, timed: 2 }, train: { warm: 1, timed: 1 }, trainLarge: { warm: 0, timed: 1 }, generate: { warm: 1, timed: 1 },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median seconds of `fn` over `timed` calls after `warm` calls. */
async function time(fn: () => void, { warm, timed }: Reps, pause: () => Promise<void>): Promise<number> {
  heap.collect(); // each workload starts without the previous one's garbage
  for (let i = 0; i < warm; i++) {
    scope(fn);
    await pause();
  }
  const secs: number[] = [];
  for (let i = 0; i < timed; i++) {
    const t0 = performance.now();
    scope(fn);
    secs.push((performance.now() - t0) / 1000);
    await pause(); // outside the timed call
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
export function lstmStep(): () => void {
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

/** The two GPT workloads of WORKLOADS.md: batch, sequence (= block), layers, heads, width (FFN 4x, GELU). */
export interface GPTShape {
  B: number;
  T: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
}

/** gpt_train_tok_s: 4 layers, 4 heads, d 128, FFN 512; B 16, T 128. */
export const GPT_SMALL: GPTShape = { B: 16, T: 128, nLayer: 4, nHead: 4, nEmbd: 128 };
/** gpt_large_train_tok_s (nanoGPT's character-level Shakespeare size): 6 layers, 6 heads, d 384, FFN 1536; B 8, T 256. */
export const GPT_LARGE: GPTShape = { B: 8, T: 256, nLayer: 6, nHead: 6, nEmbd: 384 };

/**
 * Model FLOPs of one training step per token (forward and backward), as PaLM counts them (Chowdhery
 * et al. 2022, appendix B; nanoGPT's `estimate_mfu`): 6N for the matmul weights N, each used in one
 * forward product (2 FLOPs a weight) and two backward ones (input and weight gradients), plus
 * 12 * nLayer * T * d for attention's two products, Q K^T and P V (2 * 2 * T * d a token forward, 3x
 * with backward), counted over the full T x T as the convention is although the causal half is masked.
 * N = nLayer * 12 d^2 (c_attn 3d^2, c_proj d^2, c_fc and the MLP's c_proj 4d^2 each) + d * V for the
 * head; the embeddings are lookups, and biases, LayerNorm, GELU, softmax and AdamW are left out.
 *   GPT_LARGE: 6 (6 * 12 * 384^2 + 384 * 65) + 12 * 6 * 256 * 384 = 70,928,640 FLOPs a token.
 */
export function gptTrainFlopsPerToken({ T, nLayer, nEmbd: d }: GPTShape): number {
  const N = nLayer * 12 * d * d + d * V;
  return 6 * N + 12 * nLayer * T * d;
}

/** GPT: vocab 65, pre-LN layers, FFN 4d GELU, learned positions, causal; AdamW. */
export function gptStep({ B, T, nLayer, nHead, nEmbd }: GPTShape = GPT_SMALL): () => void {
  // torch_anchor.py's model: untied head, biases everywhere (its head has a bias; this one has none)
  const model = new GPT({ vocabSize: V, blockSize: T, nLayer, nHead, nEmbd, dropout: 0, tiedHead: false, bias: true });
  const opt = new AdamW(model.parameters(), { lr: 1e-3 });
  const x = randint(0, V, [B, T]);
  const y = randint(0, V, [B, T]);
  return () => {
    opt.zeroGrad();
    const loss = crossEntropy(model.forward(x).reshape(-1, V), y.reshape(-1)); // logits (B, T, V)
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
export function cnnStep(): () => void {
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

export type Figures = Record<BenchKey, number | null>;

export const emptyFigures = (): Figures => Object.fromEntries(BENCH_KEYS.map((k) => [k, null])) as Figures;

/**
 * Runs every workload (or those in `only`) on the current backend; `rssMB` reports the peak memory of
 * the process where the platform can tell (Node), else `rss_mb` is null. `pause` runs between calls,
 * untimed: in a page, a turn of the event loop, where the browser runs the finalizers that free the
 * heap (Node collects synchronously, see core/memory.ts).
 */
export async function runAll(reps: typeof FAST, only: Set<string> | null, log: (s: string) => void, rssMB?: () => number, pause: () => Promise<void> = async () => {}): Promise<Figures> {
  const want = (k: BenchKey) => !only || only.has(k);
  manualSeed(0);
  const out = emptyFigures();
  if (want('sgemm512_gflops')) {
    const s = await time(sgemmStep(), reps.sgemm, pause);
    out.sgemm512_gflops = (2 * 512 ** 3) / s / 1e9;
    log(`sgemm512: ${(s * 1e3).toFixed(2)} ms per product`);
  }
  if (want('lstm_train_tok_s')) {
    const s = await time(lstmStep(), reps.train, pause);
    out.lstm_train_tok_s = (32 * 64) / s;
    log(`lstm train: ${(s * 1e3).toFixed(1)} ms per step`);
  }
  if (want('gpt_train_tok_s')) {
    const s = await time(gptStep(GPT_SMALL), reps.train, pause);
    out.gpt_train_tok_s = (GPT_SMALL.B * GPT_SMALL.T) / s;
    log(`gpt train: ${(s * 1e3).toFixed(1)} ms per step`);
  }
  if (want('gru_generate_tok_s')) {
    const s = await time(gruGenerateStep(), reps.generate, pause);
    out.gru_generate_tok_s = 200 / s;
    log(`gru generate: ${(s * 1e3).toFixed(1)} ms per 200 tokens`);
  }
  if (want('gpt_large_train_tok_s')) {
    const s = await time(gptStep(GPT_LARGE), reps.trainLarge, pause);
    out.gpt_large_train_tok_s = (GPT_LARGE.B * GPT_LARGE.T) / s;
    log(`gpt large train: ${(s * 1e3).toFixed(1)} ms per step (median of ${reps.trainLarge.timed})`);
  }
  if (want('cnn_train_img_s')) {
    const s = await time(cnnStep(), reps.train, pause);
    out.cnn_train_img_s = 64 / s;
    log(`cnn train: ${(s * 1e3).toFixed(1)} ms per step`);
  }
  out.rss_mb = rssMB ? rssMB() : null;
  return out;
}

export function fmtFigures(f: Figures, suffix = ''): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const k of BENCH_KEYS) out[k + suffix] = f[k] === null ? null : Math.round(f[k]! * 10) / 10;
  return out;
}

