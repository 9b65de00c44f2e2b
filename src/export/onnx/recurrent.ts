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

/** One layer of a PyTorch nn.RNN / nn.LSTM / nn.GRU (keys `${prefix}.weight_ih_l${layer}` ..., `_reverse` for the second direction). */
export interface RecurrentLayer {
  cell: Cell;
  /** The module's state-dict prefix (`rnn`, `encoder`, ...). */
  prefix: string;
  layer: number;
  input: number;
  hidden: number;
  bidirectional?: boolean;
  /** int32 (B): each sequence's length (ONNX's sequence_lens; a reverse direction starts at each end). */
  seqLens?: string;
  /** (D, B, H) initial states; zeros when omitted. */
  initialH?: string;
  initialC?: string;
}

/**
 * The ONNX LSTM / GRU / RNN node of one layer over x (T, B, I), time-major: returns Y (T, D, B, H), Y_h
 * (D, B, H) and, for an LSTM, Y_c (D, B, H); D = 2 when bidirectional (forward, then reverse).
 */
export function recurrentLayer(g: GraphBuilder, w: Weights, x: string, o: RecurrentLayer): string[] {
  const { cell, prefix: p, layer: l, input: I, hidden: H } = o;
  const G = GATE_ORDER[cell].length;
  const dirs = o.bidirectional ? ['', '_reverse'] : [''];
  const D = dirs.length;
  const stack = (key: (sfx: string) => string, shape: number[]) => {
    const out = new Float32Array(D * shape.reduce((a, b) => a * b, 1));
    dirs.forEach((sfx, d) => out.set(reorderGates(w.get(key(sfx), shape).data, cell, H), d * (out.length / D)));
    return out;
  };
  const W = g.weight(`${p}.W_l${l}`, stack((sfx) => `${p}.weight_ih_l${l}${sfx}`, [G * H, I]), [D, G * H, I]);
  const R = g.weight(`${p}.R_l${l}`, stack((sfx) => `${p}.weight_hh_l${l}${sfx}`, [G * H, H]), [D, G * H, H]);
  let B = '';
  if (w.has(`${p}.bias_ih_l${l}`)) {
    const b = new Float32Array(D * 2 * G * H);
    dirs.forEach((sfx, d) => {
      b.set(reorderGates(w.get(`${p}.bias_ih_l${l}${sfx}`, [G * H]).data, cell, H), (2 * d) * G * H);
      b.set(reorderGates(w.get(`${p}.bias_hh_l${l}${sfx}`, [G * H]).data, cell, H), (2 * d + 1) * G * H);
    });
    B = g.weight(`${p}.B_l${l}`, b, [D, 2 * G * H]);
  }
  const inputs = [x, W, R, B, o.seqLens ?? '', o.initialH ?? '', cell === 'lstm' ? o.initialC ?? '' : ''];
  while (inputs[inputs.length - 1] === '') inputs.pop(); // trailing omitted inputs left out
  const attrs: Record<string, Attr> = { hidden_size: H, ...(cell === 'gru' ? { linear_before_reset: 1 } : {}), ...(D === 2 ? { direction: 'bidirectional' } : {}) };
  return g.nodeN(OP[cell], inputs, cell === 'lstm' ? 3 : 2, attrs, `${p}.l${l}`);
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
  let x = g.node('Transpose', [embedding(g, w, 'embedding.weight', ids)], { perm: [1, 0, 2] }, 'time_major'); // (B, T, C) -> (T, B, C)
  for (let l = 0; l < c.layers; l++) {
    const [y] = recurrentLayer(g, w, x, { cell: c.cell, prefix: 'rnn', layer: l, input: l === 0 ? c.embed : c.hidden, hidden: c.hidden }); // Y (T, 1, B, H), from zeros
    x = g.node('Squeeze', [y, g.int64([1])], {}, `rnn.l${l}.y`); // (T, B, H)
  }
  const out = g.node('Transpose', [x], { perm: [1, 0, 2] }, 'batch_major'); // (T, B, H) -> (B, T, H)
  return linear(g, w, 'head', out);
}
