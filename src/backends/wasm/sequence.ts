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
import type { WasmKernels } from './module.js';
import { kernelIndex, type KernelPool } from './threads.js';

const MASK_SCORES = kernelIndex('maskScores');
const LINEAR_ATTENTION = kernelIndex('linearAttention');
const LINEAR_ATTENTION_BACKWARD = kernelIndex('linearAttentionBackward');
const NLL_BACKWARD = kernelIndex('nllLossBackward');

/** Elements (about) a thread must get before another is woken. */
const GRAIN = 16384;

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
  return {
    dropoutMask(d) {
      k.dropoutMask(d.mask * 4, d.n, d.threshold, d.below, d.above, d.y >= 0 ? d.x * 4 : 0, d.y >= 0 ? d.y * 4 : 0, d.state * 4);
    },

    uniform(out, n, a, b, state) {
      k.uniformFill(out * 4, n, a, b, state * 4);
    },

    maskScores(p, batch, L, S, scale, masks: readonly ScoreMask[]) {
      const r = batch.length;
      const c = collapse(batch, masks.map((m) => m.strides.slice(0, r)));
      if (masks.length > 2 || c.shape.length > 2) return referenceBackend.maskScores(p, batch, L, S, scale, masks);
      const n1 = c.shape.length === 2 ? c.shape[1] : c.shape.length === 1 ? c.shape[0] : 1;
      const args: number[] = [p * 4, L, S, n1, scale];
      for (let i = 0; i < 2; i++) {
        const m = masks[i];
        if (!m) {
          args.push(0, 0, 0, 0, 0, 0);
          continue;
        }
        const bs = c.strides[i];
        const [s0, s1] = bs.length === 2 ? bs : bs.length === 1 ? [0, bs[0]] : [0, 0];
        args.push(m.bool ? 1 : 2, m.off * (m.bool ? 1 : 4), s0, s1, m.strides[r], m.strides[r + 1]);
      }
      const N = batch.reduce((a, b) => a * b, 1);
      pool.parallelFor(MASK_SCORES, N * L, args, { grain: Math.max(1, Math.ceil(GRAIN / Math.max(S, 1))) });
    },

    linearAttention(s, y, end) {
      const { N, T, d, e } = s;
      withF64(N * d * e + N * d + N * e, startSums(s), (sums, view) => {
        const z = sums + N * d * e * 8;
        const num = z + N * d * 8;
        const args = [s.q * 4, s.k * 4, s.v * 4, y * 4, T, d, e, s.eps, sums, z, num];
        pool.parallelFor(LINEAR_ATTENTION, N, args, { grain: Math.max(1, Math.ceil(GRAIN / Math.max(T * d * e, 1))) });
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
          const args = [s.q * 4, s.k * 4, s.v * 4, g.g * 4, g.dq * 4, g.dk * 4, g.dv * 4, T, d, e, s.eps, sums, sums + N * d * e * 8, work];
          pool.parallelFor(LINEAR_ATTENTION_BACKWARD, N, args, { grain: Math.max(1, Math.ceil(GRAIN / Math.max(T * d * e, 1))) });
        }),
      );
    },

    nllLoss(b, losses) {
      return withF64(2, null, (sums, view) => {
        const bad = k.nllLoss(b.x * 4, b.target * 4, b.weight < 0 ? 0 : b.weight * 4, b.N, b.C, b.D, b.ignoreIndex, losses * 4, sums);
        if (bad >= 0) throw new RangeError(`nllLoss: target ${heap.i32[b.target + bad]} at position ${bad} is out of bounds for ${b.C} classes`);
        const v = view();
        return [v[0], v[1]];
      });
    },

    nllLossBackward(b, g, gx, scale, perElement) {
      const args = [b.target * 4, b.weight < 0 ? 0 : b.weight * 4, b.C, b.D, b.ignoreIndex, g * 4, gx * 4, scale, perElement ? 1 : 0];
      pool.parallelFor(NLL_BACKWARD, b.N, args, { grain: Math.max(1, Math.ceil(GRAIN / Math.max(b.D, 1))) });
    },
  };
}
