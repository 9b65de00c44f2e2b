/**
 * The kernel pool's workers on Web Workers (see threads.ts): module workers running web-worker.ts,
 * given the compiled module and the shared memory by postMessage. A page can share its memory only when
 * it is cross-origin isolated (COOP/COEP); otherwise the heap's memory is unshared and the backend runs
 * on one thread (backend.ts), so this transport is never asked for a worker.
 */
import type { PoolWorker, WorkerInit, WorkerTransport } from './threads.js';

export const webWorkers: WorkerTransport = {
  cores: typeof navigator !== 'undefined' ? navigator.hardwareConcurrency || 1 : 1,
  start(init: WorkerInit): Promise<PoolWorker> {
    // this exact form lets bundlers (Vite, webpack, Parcel) find and emit the worker's script
    const worker = new Worker(new URL('./web-worker.js', import.meta.url), { type: 'module', name: `loom-kernels-${init.part}` });
    return new Promise<PoolWorker>((resolve, reject) => {
      worker.onerror = (e) => {
        worker.terminate();
        reject(new Error(`KernelPool: worker ${init.part} failed while starting: ${e.message}`));
      };
      worker.onmessage = (e: MessageEvent<string>) => {
        if (e.data !== 'ready') return;
        worker.onerror = (err) => console.error(`KernelPool: worker ${init.part} failed:`, err.message);
        resolve({
          exited: () =>
            new Promise<void>((done) => {
              worker.onmessage = (m: MessageEvent<string>) => {
                if (m.data !== 'exited') return;
                worker.terminate();
                done();
              };
            }),
          terminate: async () => worker.terminate(),
        });
      };
      worker.postMessage(init);
    });
  },
};
