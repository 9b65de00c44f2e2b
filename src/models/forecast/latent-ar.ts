/**
 * The latent autoregressive forecaster of the notes: a hidden state h_t summarises the past, updated
 * by an RNN, LSTM or GRU from each day's value and the next day's calendar covariates, and a Linear
 * head reads the next value from it,
 *
 *   u_s = [z_s, cov_{s+1}]                 (B, T, 1 + C)
 *   h_s = cell(u_s, h_{s-1})               (B, T, Hd)
 *   ẑ_{s+1} = head(h_s)                    (B, T)
 *
 * The forecast task feeds values relative to each window's level (tasks/forecast/models.ts).
 * Trained with backpropagation through time over a window of T days (every position's next value is a
 * target, teacher forcing); forecasts are recursive: ẑ_{o+1} is fed back as z_{o+1} for day o+2.
 * PyTorch equivalent, same state-dict keys (`rnn.weight_ih_l0`, ..., `head.weight`, `head.bias`):
 *
 *   class LatentAR(nn.Module):
 *       def __init__(self, C, hidden=64, layers=1, cell=nn.LSTM):
 *           super().__init__()
 *           self.rnn = cell(1 + C, hidden, num_layers=layers, batch_first=True)
 *           self.head = nn.Linear(hidden, 1)
 *
 * @example
 *   const m = new LatentAR({ ...latentARDefaults, cell: 'lstm', covariates: 21 });
 *   const [zNext, state] = m.forward(u);   // u (B, T, 22) -> (B, T), the state after day T
 */
import type { Tensor } from '../../core/tensor.js';
import { Linear } from '../../nn/layers/linear.js';
import { Module } from '../../nn/module.js';
import { GRU, LSTM, RNN, type LSTMState } from '../../nn/recurrent/rnn.js';

export type LatentCell = 'rnn' | 'lstm' | 'gru';

export interface LatentARConfig {
  cell: LatentCell;
  /** Covariates per day, C (0 = none). */
  covariates: number;
  /** Width of the hidden state, Hd. */
  hidden: number;
  /** Stacked recurrent layers. */
  layers: number;
}

export const latentARDefaults: Omit<LatentARConfig, 'cell' | 'covariates'> = { hidden: 64, layers: 1 };

/** h (L, B, Hd), or [h, c] for an LSTM. */
export type LatentState = Tensor | LSTMState;

export class LatentAR extends Module {
  readonly config: LatentARConfig;
  readonly rnn: RNN | LSTM | GRU;
  readonly head: Linear;

  constructor(config: LatentARConfig) {
    super();
    const { cell, covariates, hidden, layers } = config;
    if (!Number.isInteger(covariates) || covariates < 0) throw new RangeError(`LatentAR: covariates must be an integer >= 0, got ${covariates}`);
    for (const [k, v] of [['hidden', hidden], ['layers', layers]] as const)
      if (!Number.isInteger(v) || v < 1) throw new RangeError(`LatentAR: ${k} must be a positive integer, got ${v}`);
    const Cell = { rnn: RNN, lstm: LSTM, gru: GRU }[cell];
    if (!Cell) throw new Error(`LatentAR: unknown cell '${String(cell)}', expected rnn, lstm or gru`);
    this.config = { ...config };
    this.rnn = this.registerModule('rnn', new Cell(1 + covariates, hidden, { numLayers: layers, batchFirst: true }));
    this.head = this.registerModule('head', new Linear(hidden, 1));
  }

  /** u (B, T, 1 + C), the state before day 1 (zeros when omitted) -> [ẑ of the next days (B, T), the state after day T]. */
  forward(u: Tensor, state?: LatentState | null): [Tensor, LatentState] {
    if (u.ndim !== 3 || u.shape[2] !== 1 + this.config.covariates)
      throw new Error(`LatentAR: input must be (B, T, ${1 + this.config.covariates}), got [${u.shape.join(', ')}]`);
    const [h, next] =
      this.rnn instanceof LSTM ? this.rnn.forward(u, (state as LSTMState | null | undefined) ?? null) : this.rnn.forward(u, (state as Tensor | null | undefined) ?? null); // (B, T, Hd)
    return [this.head.forward(h).squeeze(2), next]; // (B, T, 1) -> (B, T)
  }
}
