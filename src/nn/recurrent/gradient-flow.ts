/**
 * Gradient flow through time, made visible: how much a loss at the last step depends on each earlier
 * hidden state. A vanilla RNN's norms typically decay geometrically with distance from the end (the
 * vanishing gradient); an LSTM's cell path and a GRU's update gate keep them larger for longer.
 */
import { enableGrad } from '../../core/autograd.js';
import { zeros } from '../../core/creation.js';
import { fmt } from '../../core/shape.js';
import type { Tensor } from '../../core/tensor.js';
import { GRU, LSTM, RNN, type LSTMState } from './rnn.js';

/**
 * ||dL/dh_t|| for t = 0 … T-1 over one sequence, where h_t is the top layer's hidden state after step t
 * and L = loss(h_{T-1}) depends on the last step only (default: the sum of its elements). dL/dh_t counts
 * every path from h_t to L, i.e. through h_{t+1}, …, h_{T-1} (and, for the LSTM, the cell states).
 *
 * `input` is one sequence (T, I). The network must be unidirectional; it runs step by step from the zero
 * state. Parameters' `.grad` are left as they were.
 *
 *   const norms = gradientFlow(new RNN(8, 32), randn([40, 8]));
 *   // norms[39] = ||dL/dh_39||, norms[0] much smaller for a vanilla RNN
 */
export function gradientFlow(layer: RNN | LSTM | GRU, input: Tensor, loss: (hLast: Tensor) => Tensor = (h) => h.sum()): number[] {
  if (input.ndim !== 2 || input.shape[1] !== layer.inputSize)
    throw new Error(`gradientFlow: input has shape ${fmt(input.shape)}, expected one sequence (T, ${layer.inputSize})`);
  const T = input.shape[0];
  const top = layer.numLayers - 1;
  const params = layer.parameters();
  const savedGrads = params.map((p) => p.grad);
  params.forEach((p) => (p.grad = null));
  try {
    return enableGrad(() => {
      // tap_t = 0 is added to the state after step t, so dL/d tap_t = dL/dh_t
      const taps: Tensor[] = [];
      const tap = (h: Tensor): Tensor => {
        const e = zeros(h.shape, { requiresGrad: true }); // (L, 1, H)
        taps.push(e);
        return h.add(e);
      };
      let h: Tensor;
      if (layer instanceof LSTM) {
        let state: LSTMState = layer.zeroState(1);
        for (let t = 0; t < T; t++) {
          const [, [hn, cn]] = layer.step(input.narrow(0, t, 1), state); // x_t (1, I)
          state = [tap(hn), cn];
        }
        h = state[0];
      } else {
        h = layer.zeroState(1);
        for (let t = 0; t < T; t++) h = tap(layer.step(input.narrow(0, t, 1), h)[1]);
      }
      loss(h.select(0, top)).backward(); // h_{T-1} of the top layer: (1, H)
      return taps.map((e) => (e.grad ? e.grad.select(0, top).norm().item() : 0));
    });
  } finally {
    params.forEach((p, i) => (p.grad = savedGrads[i]));
  }
}
