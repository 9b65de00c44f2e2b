/**
 * A backend that times every kernel call of another backend: where a training step spends its time,
 * per kernel (and per unary/binary/reduce op), for `loom bench --profile` and docs/PERFORMANCE.md.
 *
 *   const p = profiled(backend());
 *   setBackend(p.backend);
 *   step();                        // the workload
 *   console.log(p.report(stepMs)); // kernel table; the rest of the step is JavaScript (ops, autograd, GC)
 */
import type { Backend } from './backend.js';

export interface KernelTime {
  name: string;
  calls: number;
  ms: number;
}

export interface Profiled {
  backend: Backend;
  /** Totals since the last reset, slowest first. */
  times(): KernelTime[];
  reset(): void;
}

/** The first argument of these kernels names the op; it becomes part of the row's name. */
const BY_OP = new Set(['unary', 'unaryBackward', 'binary', 'reduce']);

export function profiled(inner: Backend): Profiled {
  const acc = new Map<string, KernelTime>();
  const add = (name: string, ms: number) => {
    let t = acc.get(name);
    if (!t) acc.set(name, (t = { name, calls: 0, ms: 0 }));
    t.calls++;
    t.ms += ms;
  };
  const wrapped: Record<string, unknown> = { ...inner };
  for (const [key, value] of Object.entries(inner)) {
    if (typeof value !== 'function') continue;
    const fn = value as (...a: unknown[]) => unknown;
    wrapped[key] = (...args: unknown[]) => {
      const t0 = performance.now();
      try {
        return fn.apply(inner, args);
      } finally {
        let name = key;
        if (BY_OP.has(key)) name += `:${String(args[0])}`;
        else if (key === 'matmul') name += (args[0] as number) > 1 ? ':batched' : (args[1] as number) < 64 ? ':rows<64' : '';
        else if (key === 'softmax' || key === 'softmaxBackward') name += args[args.length - 1] ? ':log' : '';
        add(name, performance.now() - t0);
      }
    };
  }
  wrapped.name = `profiled(${inner.name})`;
  return {
    backend: wrapped as unknown as Backend,
    times: () => [...acc.values()].sort((a, b) => b.ms - a.ms),
    reset: () => acc.clear(),
  };
}
