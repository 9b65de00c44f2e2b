/**
 * Node.js only: the kernel pool's workers on node:worker_threads (see threads.ts), loom.wasm read from
 * the file system, and relaxed SIMD switched on where V8 has it behind a flag (Node.js 20: V8's flags
 * are the process's, set here before any module is compiled; its worker threads see them too). This
 * file is also the workers' script. Importing it installs all three; the Node entry (src/node.ts) does.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { setKernelFileReader } from './module.js';
import { relaxedSimdSupported } from './simd.js';
import { runWorker, setWorkerTransport, type PoolWorker, type WorkerInit, type WorkerTransport } from './threads.js';

export const nodeWorkers: WorkerTransport = {
  cores: availableParallelism(),
  start(init: WorkerInit): Promise<PoolWorker> {
    const worker = new Worker(new URL(import.meta.url), { workerData: init });
    return new Promise<PoolWorker>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`KernelPool: worker ${init.part} exited with code ${code} while starting`)));
      worker.once('message', () => {
        worker.removeAllListeners('exit');
        worker.removeAllListeners('error');
        worker.on('error', (e) => console.error(`KernelPool: worker ${init.part} failed:`, e));
        worker.unref(); // idle workers do not keep the process alive
        resolve({
          exited() {
            worker.ref(); // keep the event loop alive until the worker has exited
            return new Promise<void>((done) => worker.once('exit', () => done()));
          },
          terminate: () => worker.terminate().then(() => undefined),
        });
      });
    });
  },
};

if (!relaxedSimdSupported()) setFlagsFromString('--experimental-wasm-relaxed-simd');

if (isMainThread) {
  setWorkerTransport(nodeWorkers);
  setKernelFileReader(async (url) => new Uint8Array(await readFile(url)));
}
else if ((workerData as WorkerInit | null)?.kind === 'loom-kernel-worker') {
  runWorker(workerData as WorkerInit, () => parentPort!.postMessage('ready'));
}
