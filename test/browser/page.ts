/**
 * What the browser tests run inside the page (imported there as /dist/test/browser/page.js). Only
 * functions: importing this file does nothing, so node --test may load it. Each imports the browser
 * entry when called.
 */
import type { Result } from '../../src/parity/check.js';
import type { HeapRun } from './heap-worker.js';
import { trainCharLSTM } from './workloads.js';

export interface ParityRun {
  backend: string;
  passed: number;
  failures: Result[];
}

/** Every parity case (fetched from the server) on the wasm backend with `threads` threads. */
export async function runParity(threads: number): Promise<ParityRun> {
  const loom = await import('../../src/index.js');
  const { parseCase } = await import('../../src/parity/case.js');
  const { checkCase } = await import('../../src/parity/check.js');
  const paths = (await (await fetch('/parity-cases.json')).json()) as string[];
  const files = await Promise.all(paths.map(async (p) => [p, new Uint8Array(await (await fetch(p)).arrayBuffer())] as const));
  const previous = loom.backend();
  const wasm = await loom.createWasmBackend({ threads });
  loom.setBackend(wasm);
  try {
    const results = files.map(([p, bytes]) => checkCase(parseCase(bytes, p)));
    return { backend: wasm.name, passed: results.filter((r) => r.ok).length, failures: results.filter((r) => !r.ok) };
  } finally {
    loom.setBackend(previous);
    await wasm.close();
  }
}

/** The losses of workloads.ts's character LSTM, on the page's default backend. */
export async function trainLosses(steps: number): Promise<{ backend: string; losses: number[] }> {
  const loom = await import('../../src/index.js');
  return { backend: loom.backend().name, losses: trainCharLSTM(loom, steps) };
}

/** Runs heap-worker.ts's training loop in a Web Worker and returns its heap report. */
export function heapInWorker(steps: number, yieldEvery: number, every: number): Promise<HeapRun> {
  const worker = new Worker(new URL('./heap-worker.js', import.meta.url), { type: 'module' });
  return new Promise<HeapRun>((resolve, reject) => {
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(`heap worker: ${e.message}`));
    };
    worker.onmessage = (e: MessageEvent<HeapRun>) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.postMessage({ steps, yieldEvery, every });
  });
}

/** What `loom sample --checkpoint DIR --prompt P --max-tokens N --seed S --top-p P` prints, from the checkpoint served at `url`. */
export async function sampleCheckpoint(url: string, prompt: string, maxTokens: number, seed: number, topP: number): Promise<string> {
  const loom = await import('../../src/index.js');
  const { lm, vocab } = loom.loadCharLM(await loom.fetchCheckpoint(url));
  let text = prompt;
  loom.noGrad(() => {
    lm.module.eval();
    loom.generate(lm.decoder(), vocab.encode(prompt), maxTokens, { temperature: 1, topP }, new loom.Generator(seed), (id) => (text += vocab.decode([id])));
  });
  return text;
}

/** The error opening the checkpoint at `url` gives, or null when it opens. */
export async function checkpointRefusal(url: string): Promise<{ name: string; message: string } | null> {
  const loom = await import('../../src/index.js');
  try {
    loom.loadCharLM(await loom.fetchCheckpoint(url));
    return null;
  } catch (e) {
    return { name: (e as Error).constructor.name, message: (e as Error).message };
  }
}

/**
 * `loom train --data <dataPath> --steps N --batch 4 --seq 16 --embed 8 --hidden 16 --layers 1
 * --eval-every 0 --sample-length 0 --seed S` (the lstm), in the page on `text`; its checkpoint's files, base64.
 */
export async function trainCheckpointInPage(text: string, dataPath: string, steps: number, seed: number): Promise<Record<string, string>> {
  const loom = await import('../../src/index.js');
  const spec = loom.findModel('lstm')!;
  const t = spec.training;
  const task = new loom.CharLMTask({
    config: { data: dataPath, dataHash: loom.textHash(text), batch: 4, seq: 16, evalBatches: 20, sampleLength: 0 },
    text, model: 'lstm', modelConfig: { ...spec.defaults, embed: 8, hidden: 16, layers: 1 }, seed,
  });
  const storage = new loom.MemoryRunStorage();
  const options = { steps, lr: t.lr, optimizer: t.optimizer, weightDecay: t.weightDecay, clip: t.clip, schedule: 'constant' as const, warmup: 0, seed, evalEvery: 0, checkpointEvery: 100 };
  await loom.train(task, options, { storage });
  const out: Record<string, string> = {};
  for (const [name, bytes] of storage.checkpoint!) out[name] = btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(''));
  return out;
}
