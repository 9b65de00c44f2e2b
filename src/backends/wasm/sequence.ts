/**
 * The WebAssembly backend's kernels for the sequence models beside matmul and softmax: dropout masks and
 * uniform initialisation from the generator's words (as/random.ts, one thread: each draw depends on the
 * one before), explicit attention masks and causal linear attention (as/attention.ts, split by score
 * rows and by sequences), and the NLL gather and scatter (as/loss.ts). Normal initialisation stays on the
 * reference: its Box-Muller step uses the platform's Math.log, sin and cos, which WebAssembly would not
 * reproduce to the bit.
 */
import { heap } from '../../core/memory.js';
import type { Backend, LinearAttentionSweep, ScoreMask } from '../backend.js';
import { referenceBackend } from '../reference.js';
import { collapse } from './elementwise.js';
import { callKernel } from './kernels.js';
import type { WasmKernels } from './module.js';
import type { KernelPool } from './threads.js';

/** A float64 block in the heap for the life of `use`, its first `init.length` values set from `init`. */
function withF64<T>(n: number, init: Float64Array | null, use: (ptr: number, view: () => Float64Array) => T): T {
  const ptr = heap.alloc(Math.max(n, 1) * 8);
  try {
    const view = () => new Float64Array(heap.memory.buffer, ptr, n);
    if (init) view().set(init);
    else view().fill(0);
    return use(ptr, view);
  } finally {
    heap.release(ptr, true);
  }
}

/** The (S, z) running sums at the start of the call, in one heap block: S (N, d, e) then z (N, d). */
function startSums(s: LinearAttentionSweep): Float64Array {
  const { N, d, e } = s;
  const sums = new Float64Array(N * d * e + N * d);
  if (s.S0) sums.set(s.S0);
  if (s.z0) sums.set(s.z0, N * d * e);
  return sums;
}

type SequenceKernels = Pick<Backend, 'dropoutMask' | 'uniform' | 'maskScores' | 'linearAttention' | 'linearAttentionBackward' | 'nllLoss' | 'nllLossBackward'>;

export function sequenceKernels(k: WasmKernels, pool: KernelPool): SequenceKernels {
  function maskScores(p: number, batch: readonly number[], L: number, S: number, scale: number, masks: readonly ScoreMask[]): void {
    const r = batch.length;
    const c = collapse(batch, masks.map((m) => m.strides.slice(0, r)));
    if (masks.length > 2) return referenceBackend.maskScores(p, batch, L, S, scale, masks);
    if (c.shape.length > 2) {
      // the kernel walks two batch dims: one call for each index of the first (e.g. Swin's images, over windows x heads)
      const [n0, ...rest] = c.shape;
      const block = rest.reduce((a, b) => a * b, 1) * L * S;
      for (let i = 0; i < n0; i++) {
        const inner = masks.map((m, j) => ({ bool: m.bool, off: m.off + i * c.strides[j][0], strides: [...c.strides[j].slice(1), m.strides[r], m.strides[r + 1]] }));
        maskScores(p + i * block, rest, L, S, scale, inner);
      }
      return;
    }
    const n1 = c.shape.length === 2 ? c.shape[1] : c.shape.length === 1 ? c.shape[0] : 1;
    // each mask: kind, byte address, strides over the collapsed batch (n0, n1), then over (L, S)
    const [A, B] = [0, 1].map((i) => {
      const m = masks[i];
      if (!m) return [0, 0, 0, 0, 0, 0];
      const bs = c.strides[i];
      const [s0, s1] = bs.length === 2 ? bs : bs.length === 1 ? [0, bs[0]] : [0, 0];
      return [m.bool ? 1 : 2, m.off * (m.bool ? 1 : 4), s0, s1, m.strides[r], m.strides[r + 1]];
    });
    const N = batch.reduce((a, b) => a * b, 1);
    pool.run('maskScores', N * L, {
      p, L, S, n1, scale,
      kindA: A[0], a: A[1], a0: A[2], a1: A[3], aRow: A[4], aCol: A[5],
      kindB: B[0], b: B[1], b0: B[2], b1: B[3], bRow: B[4], bCol: B[5],
    });
  }

  return {
    dropoutMask(d) {
      callKernel(k, 'dropoutMask', { ...d, x: d.y >= 0 ? d.x : -1 });
    },

    uniform(out, n, a, b, state) {
      callKernel(k, 'uniformFill', { out, n, a, b, state });
    },

    maskScores,

    linearAttention(s, y, end) {
      const { N, T, d, e } = s;
      withF64(N * d * e + N * d + N * e, startSums(s), (sums, view) => {
        const z = sums + N * d * e * 8;
        const num = z + N * d * 8;
        pool.run('linearAttention', N, { q: s.q, k: s.k, v: s.v, y, T, d, e, eps: s.eps, S: sums, z, num });
        if (end) {
          const v = view();
          end.S.set(v.subarray(0, N * d * e));
          end.z.set(v.subarray(N * d * e, N * d * e + N * d));
        }
      });
    },

    linearAttentionBackward(s, g) {
      const { N, T, d, e } = s;
      withF64(N * d * e + N * d, startSums(s), (sums) =>
        withF64(N * (T * e + T + d * e + d + e), null, (work) => {
          pool.run('linearAttentionBackward', N, { q: s.q, k: s.k, v: s.v, ...g, T, d, e, eps: s.eps, S: sums, z: sums + N * d * e * 8, work });
        }),
      );
    },

    nllLoss(b, losses) {
      return withF64(2, null, (sums, view) => {
        const bad = callKernel(k, 'nllLoss', { ...b, w: b.weight, losses, sums });
        if (bad >= 0) throw new RangeError(`nllLoss: target ${heap.i32[b.target + bad]} at position ${bad} is out of bounds for ${b.C} classes`);
        const v = view();
        return [v[0], v[1]];
      });
    },

    nllLossBackward(b, g, gx, scale, perElement) {
      pool.run('nllLossBackward', b.N, { target: b.target, w: b.weight, C: b.C, D: b.D, ignoreIndex: b.ignoreIndex, g, gx, scale, perElement });
    },
  };
}
