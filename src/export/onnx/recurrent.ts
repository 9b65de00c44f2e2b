/**
 * A CharRNN (src/models/char-rnn.ts) as an ONNX graph with ONNX's own recurrent operators, one node
 * per layer, from a zero state:
 *
 *   ids (B, T) -> Gather(embedding.weight) (B, T, C) -> Transpose (T, B, C)
 *     -> L x [ LSTM | GRU | RNN ] -> Y (T, 1, B, H) -> Squeeze (T, B, H)
 *     -> Transpose (B, T, H) -> head (B, T, V)
 *
 * Gate order. PyTorch packs an LSTM's gates i, f, g, o and ONNX i, o, f, c (c = PyTorch's g); a GRU's
 * r, z, n and ONNX z, r, h. ONNX's GRU with linear_before_reset=1 is PyTorch's GRU, the reset gate
 * applied after the hidden projection: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). The biases go
 * into B (1, 2 G H) = [b_ih, b_hh], each reordered the same way.
 */
import type { Attr, GraphBuilder } from '../../io/onnx/graph.js';
import { embedding, linear, type Weights } from './layers.js';

export type Cell = 'rnn' | 'lstm' | 'gru';

/** For each ONNX gate block, the PyTorch block it takes. */
const GATE_ORDER: Record<Cell, number[]> = { lstm: [0, 3, 1, 2], gru: [1, 0, 2], rnn: [0] };
const OP: Record<Cell, string> = { lstm: 'LSTM', gru: 'GRU', rnn: 'RNN' };

/** The rows of a (G H, ...) PyTorch weight or bias, gate blocks put in ONNX's order. */
export function reorderGates(data: Float32Array, cell: Cell, hidden: number): Float32Array {
  const order = GATE_ORDER[cell];
  const block = data.length / order.length; // H * (columns)
  if (!Number.isInteger(block) || block % hidden !== 0) throw new Error(`ONNX export: a ${cell} weight of ${data.length} values does not split into ${order.length} gates of ${hidden} rows`);
  const out = new Float32Array(data.length);
  order.forEach((src, dst) => out.set(data.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

export interface RecurrentConfig {
  cell: Cell;
  vocabSize: number;
  embed: number;
  hidden: number;
  layers: number;
}

/** Builds the CharRNN graph from input `ids` (B, T) int64; returns the logits (B, T, V) value. */
export function recurrentGraph(g: GraphBuilder, w: Weights, c: RecurrentConfig, ids: string): string {
  const { cell, hidden: H, layers: L } = c;
  const G = GATE_ORDER[cell].length;
  let x = g.node('Transpose', [embedding(g, w, 'embedding.weight', ids)], { perm: [1, 0, 2] }, 'time_major'); // (B, T, C) -> (T, B, C)
  for (let l = 0; l < L; l++) {
    const I = l === 0 ? c.embed : H;
    const wih = w.get(`rnn.weight_ih_l${l}`, [G * H, I]);
    const whh = w.get(`rnn.weight_hh_l${l}`, [G * H, H]);
    const W = g.weight(`rnn.W_l${l}`, reorderGates(wih.data, cell, H), [1, G * H, I]);
    const R = g.weight(`rnn.R_l${l}`, reorderGates(whh.data, cell, H), [1, G * H, H]);
    const inputs = [x, W, R];
    if (w.has(`rnn.bias_ih_l${l}`)) {
      const b = new Float32Array(2 * G * H);
      b.set(reorderGates(w.get(`rnn.bias_ih_l${l}`, [G * H]).data, cell, H), 0);
      b.set(reorderGates(w.get(`rnn.bias_hh_l${l}`, [G * H]).data, cell, H), G * H);
      inputs.push(g.weight(`rnn.B_l${l}`, b, [1, 2 * G * H]));
    }
    const attrs: Record<string, Attr> = cell === 'gru' ? { hidden_size: H, linear_before_reset: 1 } : { hidden_size: H };
    const y = g.node(OP[cell], inputs, attrs, `rnn.l${l}`); // Y (T, 1, B, H); initial state omitted: zeros
    x = g.node('Squeeze', [y, g.int64([1])], {}, `rnn.l${l}.y`); // (T, B, H)
  }
  const out = g.node('Transpose', [x], { perm: [1, 0, 2] }, 'batch_major'); // (T, B, H) -> (B, T, H)
  return linear(g, w, 'head', out);
}

