/**
 * Recurrent layers over whole sequences: `RNN` (tanh or relu), `LSTM` and `GRU`, with PyTorch's options,
 * gate order, parameter shapes and state-dict keys, so a PyTorch checkpoint loads unchanged.
 *
 * Each layer runs as one fused op (recurrent-op.ts): per step one matmul and one fused kernel, and
 * backpropagation through time as one autograd node. Recurrence is explicit: `zeroState(B)`,
 * `step(x_t, state)` for one time step, `forward(x, state)` over a sequence.
 */
import type { RecurrentCell } from '../../backends/backend.js';
import { RECURRENT_GATES } from '../../backends/recurrent-layout.js';
import { fromArray, zeros } from '../../core/creation.js';
import { cat } from '../../core/ops/join.js';
import { defaultGenerator, type Generator } from '../../core/random.js';
import { fmt } from '../../core/shape.js';
import { Tensor } from '../../core/tensor.js';
import { dropout } from '../layers/dropout.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { recurrentLayer, type DirectionWeights } from './recurrent-op.js';
import { elmanCell } from './rnn-cells.js';

export interface RecurrentOptions {
  /** Stacked layers; layer l > 0 reads layer l-1's output (default 1). */
  numLayers?: number;
  /** Learn the biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are (B, T, *) instead of (T, B, *) (default false; states stay (L*D, B, H)). */
  batchFirst?: boolean;
  /** Dropout probability on each layer's output except the last, in training mode (default 0). */
  dropout?: number;
  /** Each layer also runs from the end of the sequence; outputs concatenated, forward first (default false). */
  bidirectional?: boolean;
  /** LSTM projections are not supported; only 0 is accepted. */
  projSize?: number;
  /** Generator for the initial weights and the dropout masks (default: the global one). */
  generator?: Generator;
}

export interface RNNOptions extends RecurrentOptions {
  /** h' = tanh(...) or relu(...) (default 'tanh'). */
  nonlinearity?: 'tanh' | 'relu';
}

/** Per-call options of a recurrent forward. */
export interface RecurrentForwardOptions {
  /**
   * Valid length of each batch element (B integers in [1, T], or a 1-D int tensor), with the meaning of
   * PyTorch's packed sequences (`pack_padded_sequence(enforce_sorted=False)`, then
   * `pad_packed_sequence(total_length=T)`): outputs past a sequence's end are zero, h_n is each
   * sequence's state at its own last step, and the reverse direction starts at each sequence's own end.
   */
  lengths?: readonly number[] | Int32Array | Tensor;
}

/** An LSTM state `[h, c]`, each (L*D, B, H), or (L*D, H) for an unbatched input. */
export type LSTMState = [Tensor, Tensor];

/** A recurrent state: a tensor, or nested arrays of tensors (an LSTM's [h, c], a list of states). */
export type RecurrentState = Tensor | readonly RecurrentState[];

/**
 * The same state cut off from the graph, for truncated backpropagation through time.
 *
 * Carry the state across consecutive chunks of a long stream, detached: the forward pass still starts
 * from the whole history's state, while each backward() stops at its chunk's first step.
 *
 *   let state = lstm.zeroState(B);
 *   for (const [x, target] of chunks) {        // x: (T, B, I), consecutive pieces of B streams
 *     const [y, next] = lstm.forward(x, state);
 *     const loss = lossOf(y, target);
 *     opt.zeroGrad(); loss.backward(); opt.step();
 *     state = detachState(next);                 // keep the values, drop the graph
 *   }
 */
export function detachState<S extends RecurrentState>(state: S): S {
  if (state instanceof Tensor) return state.detach() as S;
  if (Array.isArray(state)) return state.map((s: RecurrentState) => detachState(s)) as unknown as S;
  throw new TypeError(`detachState: expected a Tensor or an array of tensors, got ${String(state)}`);
}

/** (T, B) bool, true where t < lengths[b]; checks the lengths. */
export function lengthsMask(lengths: NonNullable<RecurrentForwardOptions['lengths']>, T: number, B: number, who: string): Tensor {
  if (lengths instanceof Tensor && lengths.ndim !== 1) throw new Error(`${who}: lengths must be 1-D (B), got shape ${fmt(lengths.shape)}`);
  const lens = Array.from(lengths instanceof Tensor ? lengths.toArray() : lengths);
  if (lens.length !== B) throw new Error(`${who}: ${lens.length} lengths given for a batch of ${B}`);
  lens.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > T)
      throw new RangeError(`${who}: lengths[${b}] is ${n}, expected an integer in [1, ${T}] (T, the padded length)`);
  });
  const m = new Uint8Array(T * B);
  for (let t = 0; t < T; t++) for (let b = 0; b < B; b++) m[t * B + b] = +(t < lens[b]);
  return fromArray(m, [T, B], { dtype: 'bool' });
}

function checkSize(who: string, name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${who}: ${name} must be an integer >= ${min}, got ${v}`);
}

/**
 * The shared machinery of RNN, LSTM and GRU (PyTorch's RNNBase): parameters, validation, the layer
 * stack, dropout between layers, batch-first and unbatched inputs, lengths.
 */
export abstract class RecurrentBase extends Module {
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly generator: Generator;
  /** Weights per layer and direction, the registered parameters themselves. */
  readonly weights: DirectionWeights[][] = [];

  constructor(
    readonly cell: RecurrentCell,
    readonly inputSize: number,
    readonly hiddenSize: number,
    o: RecurrentOptions,
  ) {
    super();
    const who = this.constructor.name;
    checkSize(who, 'inputSize', inputSize, 0);
    checkSize(who, 'hiddenSize', hiddenSize, 1);
    this.numLayers = o.numLayers ?? 1;
    checkSize(who, 'numLayers', this.numLayers, 1);
    this.bias = o.bias ?? true;
    this.batchFirst = o.batchFirst ?? false;
    this.dropout = o.dropout ?? 0;
    this.bidirectional = o.bidirectional ?? false;
    this.generator = o.generator ?? defaultGenerator;
    if (!(this.dropout >= 0 && this.dropout <= 1))
      throw new RangeError(`${who}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${this.dropout}`);
    if ((o.projSize ?? 0) !== 0) throw new Error(`${who}: projSize ${o.projSize} is not supported (only 0)`);
    const G = RECURRENT_GATES[cell] * hiddenSize;
    const D = this.numDirections;
    // registration order = PyTorch's _flat_weights_names: per layer, per direction: w_ih, w_hh, b_ih, b_hh
    for (let l = 0; l < this.numLayers; l++) {
      const layer: DirectionWeights[] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const inSize = l === 0 ? inputSize : hiddenSize * D;
        const reg = (name: string, shape: number[]) => this.registerParameter(name + sfx, Parameter(Tensor.empty(shape)));
        const wih = reg('weight_ih', [G, inSize]);
        const whh = reg('weight_hh', [G, hiddenSize]);
        const bih = this.bias ? reg('bias_ih', [G]) : null;
        const bhh = this.bias ? reg('bias_hh', [G]) : null;
        layer.push({ wih, whh, bih, bhh });
      }
      this.weights.push(layer);
    }
    this.resetParameters();
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Every weight and bias from U(-1/sqrt(H), 1/sqrt(H)), in parameter order (as PyTorch). */
  resetParameters(generator: Generator = this.generator): void {
    const k = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -k, k, generator);
  }

  /** The zero state for `batch` sequences: (L*D, B, H). */
  protected zeroHidden(batch: number | null): Tensor {
    const n = this.numLayers * this.numDirections;
    return zeros(batch === null ? [n, this.hiddenSize] : [n, batch, this.hiddenSize]);
  }

  /**
   * Runs the layer stack. `input` (T, B, I), (B, T, I) when batchFirst, or unbatched (T, I);
   * h0, c0 (L*D, B, H) or (L*D, H) unbatched, zeros when absent.
   * Returns output (T, B, D*H) (batch-first / unbatched like the input), h_n and c_n like h0.
   */
  protected run(input: Tensor, h0: Tensor | undefined, c0: Tensor | undefined, opts: RecurrentForwardOptions = {}) {
    const who = `${this.constructor.name}(inputSize=${this.inputSize}, hiddenSize=${this.hiddenSize})`;
    if (!(input instanceof Tensor)) throw new TypeError(`${who}: input must be a Tensor`);
    const batched = input.ndim === 3;
    if ((input.ndim !== 2 && !batched) || input.shape[input.ndim - 1] !== this.inputSize)
      throw new Error(`${who}: input has shape ${fmt(input.shape)}, expected ${this.batchFirst ? '(B, T, I)' : '(T, B, I)'} or unbatched (T, I) with I = ${this.inputSize}`);
    if (input.dtype !== 'float32') throw new TypeError(`${who}: input must be float32, got ${input.dtype}`);
    // x: (T, B, I), time-major
    const x = !batched ? input.unsqueeze(1) : this.batchFirst ? input.transpose(0, 1) : input;
    const [T, B] = x.shape;
    if (T === 0) throw new Error(`${who}: input has shape ${fmt(input.shape)}, an empty sequence (T = 0)`);
    const D = this.numDirections;
    const L = this.numLayers;
    const H = this.hiddenSize;
    const stateShape = batched ? [L * D, B, H] : [L * D, H];
    const state = (s: Tensor | undefined, name: string): Tensor => {
      if (s === undefined || s === null) return zeros([L * D, B, H]);
      if (!(s instanceof Tensor) || s.shape.join() !== stateShape.join())
        throw new Error(`${who}: ${name} has shape ${s instanceof Tensor ? fmt(s.shape) : String(s)}, expected ${fmt(stateShape)} (L*D, ${batched ? 'B, ' : ''}H)`);
      return batched ? s : s.unsqueeze(1);
    };
    const h = state(h0, 'h0');
    const lstm = this.cell === 'lstm';
    const c = lstm ? state(c0, 'c0') : null;
    const mask = opts.lengths === undefined ? null : lengthsMask(opts.lengths, T, B, who);
    let layerIn = x;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < L; l++) {
      const r = recurrentLayer(this.cell, layerIn, h.narrow(0, l * D, D), c ? c.narrow(0, l * D, D) : null, this.weights[l], mask);
      hs.push(r.hN);
      if (r.cN) cs.push(r.cN);
      layerIn = l < L - 1 && this.dropout > 0 && this.training ? dropout(r.y, this.dropout, true, this.generator) : r.y;
    }
    let output = layerIn; // (T, B, D*H)
    let hN = L === 1 ? hs[0] : cat(hs, 0); // (L*D, B, H)
    let cN = !lstm ? null : L === 1 ? cs[0] : cat(cs, 0);
    if (!batched) {
      output = output.squeeze(1); // (T, D*H)
      hN = hN.squeeze(1);
      cN = cN?.squeeze(1) ?? null;
    } else if (this.batchFirst) output = output.transpose(0, 1); // (B, T, D*H)
    return { output, hN, cN };
  }

  /** The input with a time axis of length 1 added (B, I) -> (1, B, I) or (B, 1, I); (I) -> (1, I). */
  protected oneStep(x: Tensor): Tensor {
    if (this.bidirectional) throw new Error(`${this.constructor.name}: step() needs a unidirectional network; the reverse direction needs the whole sequence`);
    return x.unsqueeze(x.ndim === 2 && this.batchFirst ? 1 : 0);
  }

  protected dropTime(y: Tensor): Tensor {
    return y.squeeze(y.ndim === 3 && this.batchFirst ? 1 : 0);
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.cell === 'rnn_relu') parts.push("nonlinearity='relu'");
    if (this.numLayers !== 1) parts.push(`num_layers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batch_first=true');
    if (this.dropout) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/** RNN and GRU: recurrences whose state is one hidden tensor h (L*D, B, H). */
abstract class HiddenStateRecurrent extends RecurrentBase {
  forward(input: Tensor, h0?: Tensor | null, opts?: RecurrentForwardOptions): [Tensor, Tensor] {
    const r = this.run(input, h0 ?? undefined, undefined, opts);
    return [r.output, r.hN];
  }

  /** One time step: x (B, I) -> [y (B, H), h'] from state h (L, B, H). */
  step(x: Tensor, h: Tensor): [Tensor, Tensor] {
    const [y, hN] = this.forward(this.oneStep(x), h);
    return [this.dropTime(y), hN];
  }

  zeroState(batch: number | null = 1): Tensor {
    return this.zeroHidden(batch);
  }
}

/**
 * `torch.nn.RNN`, the Elman network: for each layer and step,
 *
 *   h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)      (relu with nonlinearity: 'relu')
 *
 * where x_t is the input for layer 0 and the previous layer's output (dropout applied in training)
 * above it. Shapes: input (T, B, I) ((B, T, I) with batchFirst, or unbatched (T, I)); h0 (L*D, B, H),
 * zeros when omitted; returns [output (T, B, D*H), h_n (L*D, B, H)], D = 2 when bidirectional.
 * Parameters `weight_ih_l{k}` (H, I or D*H), `weight_hh_l{k}` (H, H), `bias_ih_l{k}`, `bias_hh_l{k}` (H),
 * `_reverse` for the second direction, all U(-1/sqrt(H), 1/sqrt(H)). Defaults: numLayers 1, tanh,
 * bias true, batchFirst false, dropout 0, bidirectional false.
 *
 *   const rnn = new RNN(10, 20, { numLayers: 2 });
 *   const [out, hN] = rnn.forward(randn([5, 3, 10]));   // out (5, 3, 20), hN (2, 3, 20)
 */
export class RNN extends HiddenStateRecurrent {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, o: RNNOptions = {}) {
    super(elmanCell(o.nonlinearity, 'RNN'), inputSize, hiddenSize, o);
    this.nonlinearity = o.nonlinearity ?? 'tanh';
  }

}

/**
 * `torch.nn.LSTM`: for each layer and step, with gates stacked (i, f, g, o) in the weight rows,
 *
 *   i = sigmoid(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)      input gate
 *   f = sigmoid(W_if x_t + b_if + W_hf h_{t-1} + b_hf)      forget gate
 *   g = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)         cell candidate
 *   o = sigmoid(W_io x_t + b_io + W_ho h_{t-1} + b_ho)      output gate
 *   c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)
 *
 * Shapes: input (T, B, I) ((B, T, I) with batchFirst, or (T, I)); state [h0, c0], each (L*D, B, H),
 * zeros when omitted; returns [output (T, B, D*H), [h_n, c_n]]. Parameters as RNN's with 4H rows.
 * Options and defaults as RNN's (no nonlinearity).
 *
 *   const lstm = new LSTM(10, 20, { batchFirst: true });
 *   const [out, [hN, cN]] = lstm.forward(randn([3, 5, 10]));   // out (3, 5, 20), hN, cN (1, 3, 20)
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, o: RecurrentOptions = {}) {
    super('lstm', inputSize, hiddenSize, o);
  }

  forward(input: Tensor, state?: LSTMState | null, opts?: RecurrentForwardOptions): [Tensor, LSTMState] {
    if (state != null && (!Array.isArray(state) || state.length !== 2))
      throw new TypeError(`LSTM: the state must be [h0, c0], got ${state instanceof Tensor ? `a tensor of shape ${fmt(state.shape)}` : String(state)}`);
    const r = this.run(input, state?.[0], state?.[1], opts);
    return [r.output, [r.hN, r.cN!]];
  }

  /** One time step: x (B, I) -> [y (B, H), [h', c']] from state [h, c], each (L, B, H). */
  step(x: Tensor, state: LSTMState): [Tensor, LSTMState] {
    const [y, s] = this.forward(this.oneStep(x), state);
    return [this.dropTime(y), s];
  }

  zeroState(batch: number | null = 1): LSTMState {
    return [this.zeroHidden(batch), this.zeroHidden(batch)];
  }
}

/**
 * `torch.nn.GRU`: for each layer and step, with gates stacked (r, z, n) in the weight rows,
 *
 *   r = sigmoid(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)      reset gate
 *   z = sigmoid(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)      update gate
 *   n = tanh(W_in x_t + b_in + r * (W_hn h_{t-1} + b_hn))   candidate
 *   h_t = (1 - z) * n + z * h_{t-1}
 *
 * Shapes, options and defaults as RNN's; parameters with 3H rows.
 *
 *   const gru = new GRU(10, 20, { bidirectional: true });
 *   const [out, hN] = gru.forward(randn([5, 3, 10]));   // out (5, 3, 40), hN (2, 3, 20)
 */
export class GRU extends HiddenStateRecurrent {
  constructor(inputSize: number, hiddenSize: number, o: RecurrentOptions = {}) {
    super('gru', inputSize, hiddenSize, o);
  }
}
