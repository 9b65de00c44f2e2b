/**
 * A Web Worker of the kernel pool (web-workers.ts starts it): waits for its WorkerInit, then runs the
 * pool's protocol (threads.ts) until the pool stops, says `exited` and closes.
 */
import { runWorker, type WorkerInit } from './threads.js';

interface WorkerScope {
  onmessage: ((e: MessageEvent<WorkerInit>) => void) | null;
  postMessage(message: string): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (e) => {
  if (e.data?.kind !== 'loom-kernel-worker') return;
  scope.onmessage = null;
  runWorker(e.data, () => scope.postMessage('ready'));
  scope.postMessage('exited');
  scope.close();
};
