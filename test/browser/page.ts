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
