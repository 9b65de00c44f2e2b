/**
 * The `positional-encoding` view's data: the sinusoidal table (Vaswani et al. 2017,
 * `sinusoidalTable` in src/nn/attention/positional-encoding.ts) and the dot-product similarity of
 * positions,
 *
 *   PE[p, 2i] = sin(p / 10000^(2i/d)),  PE[p, 2i+1] = cos(p / 10000^(2i/d))
 *   sim[p, q] = PE[p] . PE[q] = sum_i cos((p - q) / 10000^(2i/d))      a function of p - q only
 *
 * and, when the live model is a GPT (whose positions are learned, `wpe`), the same two for its learned
 * position embeddings, side by side.
 */
import { sinusoidalTable } from '../nn/attention/positional-encoding.js';
import type { Tensor } from '../core/tensor.js';
import { GPT } from '../models/gpt.js';
import { inEval, intParam, rows, type InspectContext } from './context.js';

export interface PositionTable {
  /** 'sinusoidal', or 'learned (live gpt)'. */
  source: string;
  /** P rows (positions) of d values. */
  matrix: number[][];
  /** P x P dot products of the rows. */
  similarity: number[][];
}

export interface PositionalEncodingData {
  length: number;
  dModel: number;
  sinusoidal: PositionTable;
  learned: PositionTable | null;
}

function table(source: string, pe: Tensor): PositionTable {
  return { source, matrix: rows(pe), similarity: rows(pe.matmul(pe.transpose(0, 1))) }; // (P, d) @ (d, P)
}

/** params: length (positions, default 64) and dModel (even, default the live GPT's width, else 64). */
export function inspectPositionalEncoding(ctx: InspectContext, params: Record<string, unknown>): PositionalEncodingData {
  const gpt = ctx.model.module instanceof GPT ? ctx.model.module : null;
  const width = gpt ? gpt.config.nEmbd + (gpt.config.nEmbd % 2) : 64;
  const dModel = intParam(params, 'dModel', width, 2, 2048);
  if (dModel % 2 !== 0) throw new RangeError(`dModel must be even, got ${dModel}`);
  const length = intParam(params, 'length', 64, 1, 1024);
  return inEval(ctx.model.module, () => {
    const P = gpt ? Math.min(length, gpt.config.blockSize) : length;
    const learned = gpt ? table(`learned (live ${ctx.modelName})`, gpt.transformer.wpe.weight.narrow(0, 0, P)) : null;
    return { length, dModel, sinusoidal: table('sinusoidal', sinusoidalTable(length, dModel)), learned };
  });
}
