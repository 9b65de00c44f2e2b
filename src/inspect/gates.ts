/**
 * The `gates` view's data: inside an LSTM or GRU reading a window of the text, each gate's activation
 * and the states, characters x units, recomputed step by step from the layer's weights with PyTorch's
 * equations and gate order (the packed rows are i, f, g, o for the LSTM and r, z, n for the GRU):
 *
 *   LSTM  i, f, o = sigmoid(x W_i*^T + b_i* + h W_h*^T + b_h*),  g = tanh(...),  c' = f c + i g,  h' = o tanh(c')
 *   GRU   r, z = sigmoid(...),  n = tanh(x W_in^T + b_in + r (h W_hn^T + b_hn)),  h' = (1 - z) n + z h
 *
 * The layer's fused op gives h' and c' only; here each step is composed of tensor ops (one matmul of the
 * whole window's inputs, then per step one of h), which gives the same states and the gates besides.
 * The live model's layer is used when it is an LSTM or GRU (reading its embedding); otherwise a fresh
 * seeded LSTM reading one-hot characters, and the data says so.
 */
import { zeros } from '../core/creation.js';
import { cat } from '../core/ops/join.js';
import type { Tensor } from '../core/tensor.js';
import { linear } from '../nn/layers/linear.js';
import type { DirectionWeights } from '../nn/recurrent/recurrent-op.js';
import { GRU, LSTM } from '../nn/recurrent/rnn.js';
import { inEval, intParam, rows, stringParam, textWindow, type InspectContext } from './context.js';
import { freshRecurrent, liveRecurrent, oneHot } from './gradient-flow.js';

export interface GateMap {
  /** input, forget, candidate, output, cell, hidden (LSTM); reset, update, candidate, hidden (GRU). */
  name: string;
  label: string;
  /** The range of the activation: [0, 1] for a gate, [-1, 1] for tanh, the values' own for the cell state. */
  range: [number, number];
  /** T rows (characters) of U values (units 0 … U-1). */
  values: number[][];
}

export interface GatesData {
  cell: 'lstm' | 'gru';
  source: 'live' | 'fresh';
  /** The layer shown (0 = the one reading the characters) and how many the net has. */
  layer: number;
  layers: number;
  hidden: number;
  /** The window, one entry per character. */
  chars: string[];
  /** Where the window starts in the training text (-1 for a text given in params). */
  start: number;
  /** Units shown: 0 … units-1. */
  units: number;
  /** The unit whose hidden activation colours the text, and that activation per character (in [-1, 1]). */
  unit: number;
  activation: number[];
  maps: GateMap[];
}

/** Each step's gates and states of one layer over x (T, I), from the zero state: name -> (T, H). */
export function gateActivations(cell: 'lstm' | 'gru', x: Tensor, w: DirectionWeights): Record<string, Tensor> {
  const T = x.shape[0];
  const H = w.whh.shape[1];
  const xg = linear(x, w.wih, w.bih); // (T, G*H): every step's input part at once
  let h = zeros([1, H]);
  let c = zeros([1, H]);
  const out: Record<string, Tensor[]> = {};
  const keep = (name: string, t: Tensor) => (out[name] ??= []).push(t);
  for (let t = 0; t < T; t++) {
    const gx = xg.narrow(0, t, 1); // (1, G*H)
    const gh = linear(h, w.whh, w.bhh); // (1, G*H)
    if (cell === 'lstm') {
      const [gi, gf, gg, go] = gx.add(gh).split(H, 1); // 4 x (1, H), PyTorch's order i, f, g, o
      const i = gi.sigmoid();
      const f = gf.sigmoid();
      const g = gg.tanh();
      const o = go.sigmoid();
      c = f.mul(c).add(i.mul(g));
      h = o.mul(c.tanh());
      keep('input', i); keep('forget', f); keep('candidate', g); keep('output', o); keep('cell', c); keep('hidden', h);
    } else {
      const [xr, xz, xn] = gx.split(H, 1); // 3 x (1, H), PyTorch's order r, z, n
      const [hr, hz, hn] = gh.split(H, 1);
      const r = xr.add(hr).sigmoid();
      const z = xz.add(hz).sigmoid();
      const n = xn.add(r.mul(hn)).tanh();
      h = z.neg().add(1).mul(n).add(z.mul(h));
      keep('reset', r); keep('update', z); keep('candidate', n); keep('hidden', h);
    }
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, cat(v, 0)])); // (T, H) each
}

const LABELS: Record<string, string> = {
  input: 'input gate i', forget: 'forget gate f', candidate: 'candidate', output: 'output gate o', cell: 'cell state c', hidden: 'hidden state h',
  reset: 'reset gate r', update: 'update gate z',
};

/**
 * params: start (default 0) and length (default 48) of the window of the text, or text (the window
 * itself, start -1 in the data); layer (default: the top one);
 * unit (default 0) colouring the text; maxUnits (default 64) columns shown; cell ('lstm' or 'gru',
 * default 'lstm'), hidden (default 32) and seed (default 0) of the fresh net used when the live model
 * is no LSTM or GRU.
 */
export function inspectGates(ctx: InspectContext, params: Record<string, unknown>): GatesData {
  const from = intParam(params, 'start', 0, 0);
  const length = intParam(params, 'length', 48, 1, 512);
  const maxUnits = intParam(params, 'maxUnits', 64, 1, 1024);
  const freshCell = stringParam(params, 'cell', 'lstm');
  if (freshCell !== 'lstm' && freshCell !== 'gru') throw new RangeError(`cell must be 'lstm' or 'gru', got ${JSON.stringify(freshCell)}`);
  const hidden = intParam(params, 'hidden', 32, 1, 512);
  const seed = intParam(params, 'seed', 0, 0);
  const given = stringParam(params, 'text', '');
  const { window: text, start } = given ? { window: Array.from(given).slice(0, length).join(''), start: -1 } : textWindow(ctx.text, from, length);
  const ids = ctx.vocab.encode(text);
  return inEval(ctx.model.module, () => {
    const live = liveRecurrent(ctx, ids);
    const mine = live !== null && (live.layer instanceof LSTM || live.layer instanceof GRU) && !live.layer.bidirectional;
    const net = mine ? live.layer : freshRecurrent(freshCell, ctx.vocab.size, hidden, seed);
    const cell = net instanceof GRU ? 'gru' : 'lstm';
    const layer = intParam(params, 'layer', net.numLayers - 1, 0, net.numLayers - 1);
    let x = mine ? live.input : oneHot(ids, ctx.vocab.size); // (T, I)
    let acts: Record<string, Tensor> = {};
    for (let l = 0; l <= layer; l++) {
      acts = gateActivations(cell, x, net.weights[l][0]);
      x = acts.hidden; // the next layer reads this one's states (no dropout in eval)
    }
    const H = net.hiddenSize;
    const U = Math.min(H, maxUnits);
    const unit = intParam(params, 'unit', 0, 0, U - 1);
    const maps = Object.entries(acts).map(([name, t]): GateMap => {
      const values = rows(t.narrow(1, 0, U));
      const bound = name === 'cell' ? values.reduce((m, r) => r.reduce((a, v) => Math.max(a, Math.abs(v)), m), 1e-6) : 1;
      return { name, label: LABELS[name], range: name === 'candidate' || name === 'hidden' || name === 'cell' ? [-bound, bound] : [0, 1], values };
    });
    const activation = rows(acts.hidden.narrow(1, unit, 1)).map((r) => r[0]);
    return { cell, source: mine ? 'live' : 'fresh', layer, layers: net.numLayers, hidden: H, chars: Array.from(text), start, units: U, unit, activation, maps };
  });
}
