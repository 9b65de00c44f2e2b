/**
 * Single-step recurrent cells: `RNNCell`, `LSTMCell`, `GRUCell` (PyTorch's, same keys `weight_ih`,
 * `weight_hh`, `bias_ih`, `bias_hh` and gate order). One call is one time step, run by the same fused
 * kernels as the sequence layers (a sequence of length 1).
 */
import type { RecurrentCell } from '../../backends/backend.js';
import { RECURRENT_GATES } from '../../backends/recurrent-layout.js';
import { zeros } from '../../core/creation.js';
import { defaultGenerator, type Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { recurrentLayer } from './recurrent-op.js';

export interface CellOptions {
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Generator for the initial weights (default: the global one). */
  generator?: Generator;
}

export interface RNNCellOptions extends CellOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

abstract class CellBase extends Module {
  readonly weight_ih: Tensor;
  readonly weight_hh: Tensor;
  readonly bias_ih: Tensor | null;
  readonly bias_hh: Tensor | null;

  constructor(
    readonly cell: RecurrentCell,
    readonly inputSize: number,
    readonly hiddenSize: number,
    { bias = true, generator = defaultGenerator }: CellOptions,
  ) {
    super();
    const who = this.constructor.name;
    if (!Number.isInteger(inputSize) || inputSize < 0) throw new RangeError(`${who}: inputSize must be an integer >= 0, got ${inputSize}`);
    if (!Number.isInteger(hiddenSize) || hiddenSize < 1) throw new RangeError(`${who}: hiddenSize must be an integer >= 1, got ${hiddenSize}`);
    const G = RECURRENT_GATES[cell] * hiddenSize;
    const reg = (name: string, shape: number[]) => this.registerParameter(name, Parameter(Tensor.empty(shape)));
    this.weight_ih = reg('weight_ih', [G, inputSize]);
    this.weight_hh = reg('weight_hh', [G, hiddenSize]);
    this.bias_ih = bias ? reg('bias_ih', [G]) : null;
    this.bias_hh = bias ? reg('bias_hh', [G]) : null;
    this.resetParameters(generator);
  }

  /** Every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), in parameter order (as PyTorch). */
  resetParameters(generator: Generator = defaultGenerator): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -k, k, generator);
  }

  /** The zero state for `batch` rows: (B, H), or (H) for null (unbatched). */
  protected zeroHidden(batch: number | null): Tensor {
    return zeros(batch === null ? [this.hiddenSize] : [batch, this.hiddenSize]);
  }

  /** One step: x (B, I) or (I); states (B, H) or (H), zeros when absent. Returns h' and (LSTM) c'. */
  protected run(x: Tensor, h: Tensor | null | undefined, c: Tensor | null | undefined): [Tensor, Tensor | null] {
    const who = `${this.constructor.name}(inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize})`;
    if (!(x instanceof Tensor) || (x.ndim !== 1 && x.ndim !== 2) || x.shape[x.ndim - 1] !== this.inputSize)
      throw new Error(`${who}: input has shape ${x instanceof Tensor ? fmt(x.shape) : String(x)}, expected (B, ${this.inputSize}) or (${this.inputSize})`);
    const batched = x.ndim === 2;
    const B = batched ? x.shape[0] : 1;
    const want = batched ? [B, this.hiddenSize] : [this.hiddenSize];
    const state = (s: Tensor | null | undefined, name: string): Tensor => {
      if (s == null) return zeros([1, B, this.hiddenSize]);
      if (!(s instanceof Tensor) || s.shape.join() !== want.join())
        throw new Error(`${who}: ${name} has shape ${s instanceof Tensor ? fmt(s.shape) : String(s)}, expected ${fmt(want)}`);
      return s.reshape([1, B, this.hiddenSize]);
    };
    const lstm = this.cell === 'lstm';
    // a sequence of one step: x (1, B, I), states (1, B, H)
    const r = recurrentLayer(this.cell, x.reshape([1, B, this.inputSize]), state(h, 'h0'), lstm ? state(c, 'c0') : null, [
      { wih: this.weight_ih, whh: this.weight_hh, bih: this.bias_ih, bhh: this.bias_hh },
    ]);
    const out = (t: Tensor) => t.reshape(want);
    return [out(r.hN), r.cN ? out(r.cN) : null];
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih ? '' : ', bias=false'}${this.cell === 'rnn_relu' ? ", nonlinearity='relu'" : ''}`;
  }
}

/** The Elman cell kind of a `nonlinearity` option (default tanh); `who` names the module in the error. */
export function elmanCell(nonlinearity: unknown = 'tanh', who: string): 'rnn_tanh' | 'rnn_relu' {
  if (nonlinearity !== 'tanh' && nonlinearity !== 'relu')
    throw new Error(`${who}: unknown nonlinearity '${String(nonlinearity)}', select from 'tanh' or 'relu'`);
  return nonlinearity === 'tanh' ? 'rnn_tanh' : 'rnn_relu';
}

/**
 * `torch.nn.RNNCell`: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (relu with nonlinearity: 'relu').
 * Shapes: input (B, I) or (I); h (B, H) or (H), zeros when omitted; returns h'. Parameters `weight_ih`
 * (H, I), `weight_hh` (H, H), `bias_ih`, `bias_hh` (H), all U(-1/sqrt(H), 1/sqrt(H)).
 *
 *   const cell = new RNNCell(10, 20);
 *   let h = cell.forward(x0);       // (B, 20)
 *   h = cell.forward(x1, h);
 */
export class RNNCell extends CellBase {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, o: RNNCellOptions = {}) {
    super(elmanCell(o.nonlinearity, 'RNNCell'), inputSize, hiddenSize, o);
    this.nonlinearity = o.nonlinearity ?? 'tanh';
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.run(input, hx, null)[0];
  }

  zeroState(batch: number | null = 1): Tensor {
    return this.zeroHidden(batch);
  }
}

/**
 * `torch.nn.LSTMCell`: gates (i, f, g, o) = (sigmoid, sigmoid, tanh, sigmoid)(x W_ih^T + b_ih + h W_hh^T + b_hh),
 * c' = f * c + i * g, h' = o * tanh(c'). Shapes: input (B, I) or (I); state [h, c], each (B, H) or (H),
 * zeros when omitted; returns [h', c']. Parameters as RNNCell's with 4H rows.
 *
 *   const cell = new LSTMCell(10, 20);
 *   let [h, c] = cell.forward(x0);
 *   [h, c] = cell.forward(x1, [h, c]);
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, o: CellOptions = {}) {
    super('lstm', inputSize, hiddenSize, o);
  }

  forward(input: Tensor, hx?: [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) throw new TypeError('LSTMCell: the state must be [h, c]');
    const [h, c] = this.run(input, hx?.[0], hx?.[1]);
    return [h, c!];
  }

  zeroState(batch: number | null = 1): [Tensor, Tensor] {
    return [this.zeroHidden(batch), this.zeroHidden(batch)];
  }
}

/**
 * `torch.nn.GRUCell`: r, z = sigmoid(x W_i{r,z}^T + b_i{r,z} + h W_h{r,z}^T + b_h{r,z}),
 * n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn)), h' = (1 - z) * n + z * h. Shapes as RNNCell's;
 * parameters with 3H rows, gates stacked (r, z, n).
 *
 *   const cell = new GRUCell(10, 20);
 *   const h = cell.forward(x0, h0);   // (B, 20)
 */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, o: CellOptions = {}) {
    super('gru', inputSize, hiddenSize, o);
  }

  forward(input: Tensor, hx?: Tensor | null): Tensor {
    return this.run(input, hx, null)[0];
  }

  zeroState(batch: number | null = 1): Tensor {
    return this.zeroHidden(batch);
  }
}
