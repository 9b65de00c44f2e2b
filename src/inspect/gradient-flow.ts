/**
 * The `gradient-flow` view's data: ||dL/dh_t|| against t for an RNN, an LSTM and a GRU reading the same
 * window of the text, with and without gradient clipping (`gradientFlow`, src/nn/recurrent/gradient-flow.ts).
 *
 * The live model's own recurrent layer is used for its cell (reading its embedding of the window); the
 * other two cells are fresh seeded nets of `hidden` units reading the window one-hot. L is
 * gradientFlow's default, the sum of the top layer's last hidden state.
 *
 * Clipping (clip_grad_norm_ with max norm `clip`) multiplies the whole backward by
 * s = min(1, clip / ||dL/dtheta||), the norm over the net's parameters; every dL/dh_t is scaled by the same s, so
 * the clipped curve is the unclipped one times s: clipping tames an exploding gradient, never a vanishing one.
 */
import { enableGrad } from '../core/autograd.js';
import { eye, fromArray } from '../core/creation.js';
import { Generator } from '../core/random.js';
import type { Tensor } from '../core/tensor.js';
import { CharRNN } from '../models/char-rnn.js';
import { gradientFlow } from '../nn/recurrent/gradient-flow.js';
import { GRU, LSTM, RNN } from '../nn/recurrent/rnn.js';
import { inEval, intParam, numberParam, stringParam, textWindow, type InspectContext } from './context.js';

export type CellName = 'rnn' | 'lstm' | 'gru';
export const CELLS: readonly CellName[] = ['rnn', 'lstm', 'gru'];

export interface GradientFlowNet {
  cell: CellName;
  /** 'live': the playground's model's own layer; 'fresh': a seeded untrained net. */
  source: 'live' | 'fresh';
  /** What the net reads: the live model's embedding of the window, or one-hot characters. */
  input: 'embedding' | 'one-hot';
  hidden: number;
  layers: number;
  /** ||dL/dh_t||, t = 0 … T-1 (gradientFlow's values). */
  norms: number[];
  /** ||dL/dtheta|| over the net's parameters, for the same L. */
  paramGradNorm: number;
  /** min(1, clip / paramGradNorm). */
  clipScale: number;
  /** norms times clipScale: what the clipped step backpropagates. */
  clipped: number[];
}

export interface GradientFlowData {
  /** The window of text, one character per step. */
  text: string;
  /** Where the window starts in the training text (-1 for a text given in params). */
  start: number;
  T: number;
  /** Max gradient norm of the clipped curves. */
  clip: number;
  nets: GradientFlowNet[];
}

/** A fresh unidirectional net of `cell` over `inputSize` inputs, weights from `seed`. */
export function freshRecurrent(cell: CellName, inputSize: number, hidden: number, seed: number): RNN | LSTM | GRU {
  const Cell = { rnn: RNN, lstm: LSTM, gru: GRU }[cell];
  return new Cell(inputSize, hidden, { generator: new Generator(seed) });
}

/** The one-hot rows (T, V) of `ids`. */
export function oneHot(ids: Int32Array, V: number): Tensor {
  return eye(V).indexSelect(0, fromArray(ids, [ids.length], { dtype: 'int32' }));
}

/** The live model's recurrent layer and its embedding of ids (T, C), or null when it has none. */
export function liveRecurrent(ctx: InspectContext, ids: Int32Array): { layer: RNN | LSTM | GRU; input: Tensor } | null {
  const net = ctx.model.module;
  if (!(net instanceof CharRNN)) return null;
  const input = net.embedding.forward(fromArray(ids, [ids.length], { dtype: 'int32' })).detach(); // (T, C)
  return { layer: net.rnn, input };
}

/** ||dL/dtheta|| for L = sum of the top layer's last hidden state (gradientFlow's default loss), grads left as they were. */
function paramGradNorm(layer: RNN | LSTM | GRU, input: Tensor): number {
  const params = layer.parameters();
  const saved = params.map((p) => p.grad);
  params.forEach((p) => (p.grad = null));
  try {
    return enableGrad(() => {
      const [, state] = layer instanceof LSTM ? layer.forward(input) : layer.forward(input); // input (T, I), unbatched
      const hN = Array.isArray(state) ? state[0] : (state as Tensor); // (L, H)
      hN.select(0, layer.numLayers - 1).sum().backward();
      let sq = 0;
      for (const p of params) if (p.grad) sq += p.grad.square().sum().item();
      return Math.sqrt(sq);
    });
  } finally {
    params.forEach((p, i) => (p.grad = saved[i]));
  }
}

/**
 * params: start (default 0) and length (default 64) of the window of the text, or text (the window
 * itself, start -1 in the data); clip (default 1); hidden (default 32) and seed (default 0) of the fresh nets.
 */
export function inspectGradientFlow(ctx: InspectContext, params: Record<string, unknown>): GradientFlowData {
  const from = intParam(params, 'start', 0, 0);
  const length = intParam(params, 'length', 64, 2, 512);
  const clip = numberParam(params, 'clip', 1, 0);
  const hidden = intParam(params, 'hidden', 32, 1, 512);
  const seed = intParam(params, 'seed', 0, 0);
  const given = stringParam(params, 'text', '');
  const { window: text, start } = given ? { window: Array.from(given).slice(0, length).join(''), start: -1 } : textWindow(ctx.text, from, length);
  const ids = ctx.vocab.encode(text);
  const nets = inEval(ctx.model.module, () => {
    const live = liveRecurrent(ctx, ids);
    const liveCell = live && (live.layer instanceof LSTM ? 'lstm' : live.layer instanceof GRU ? 'gru' : 'rnn');
    return CELLS.map((cell, i): GradientFlowNet => {
      const mine = live && liveCell === cell && !live.layer.bidirectional;
      const layer = mine ? live.layer : freshRecurrent(cell, ctx.vocab.size, hidden, seed + i);
      const input = mine ? live.input : oneHot(ids, ctx.vocab.size);
      const norms = gradientFlow(layer, input);
      const g = paramGradNorm(layer, input);
      const clipScale = clip > 0 && g > clip ? clip / g : 1;
      return {
        cell, source: mine ? 'live' : 'fresh', input: mine ? 'embedding' : 'one-hot', hidden: layer.hiddenSize, layers: layer.numLayers,
        norms, paramGradNorm: g, clipScale, clipped: norms.map((n) => n * clipScale),
      };
    });
  }, true);
  return { text, start, T: ids.length, clip, nets };
}
