/**
 * A Web Worker for the browser memory test (the page starts it as /dist/test/browser/heap-worker.js):
 * trains a small MLP for `steps` steps in one loop, without dispose() or scope(), returning to the event
 * loop every `yieldEvery` steps (0: never), and reports the heap's reserved and live bytes along the way.
 * Outside a worker (node --test loads every file) it does nothing.
 */
export interface HeapRun {
  steps: number;
  /** heap.reservedBytes and heap.liveBytes after every `every` steps. */
  reserved: number[];
  live: number[];
}

declare const WorkerGlobalScope: unknown;

interface Scope {
  onmessage: ((e: MessageEvent<{ steps: number; yieldEvery: number; every: number }>) => void) | null;
  postMessage(m: HeapRun): void;
}

if (typeof WorkerGlobalScope !== 'undefined') {
  const scope = globalThis as unknown as Scope;
  scope.onmessage = async (e) => {
    const { steps, yieldEvery, every } = e.data;
    const { F, heap, manualSeed, nn, optim, randn, randint } = await import('../../src/index.js');
    manualSeed(0);
    const model = new nn.Sequential(new nn.Linear(64, 256), new nn.Tanh(), new nn.Linear(256, 10));
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const run: HeapRun = { steps, reserved: [], live: [] };
    for (let step = 1; step <= steps; step++) {
      const x = randn([128, 64]); // about 0.5 MB of activations and gradients a step
      const y = randint(0, 10, [128]);
      const loss = F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      if (yieldEvery > 0 && step % yieldEvery === 0) await new Promise((r) => setTimeout(r, 0));
      if (step % every === 0) {
        run.reserved.push(heap.reservedBytes);
        run.live.push(heap.liveBytes);
      }
    }
    scope.postMessage(run);
  };
}
