/**
 * The memory layout the recurrent step kernels share with their callers. Kept out of backend.ts, which
 * imports the reference backend, so that the kernels can import it without a cycle.
 */
import type { RecurrentCell } from './backend.js';

/** Gates per cell, G: W_ih and W_hh have G*H rows (PyTorch's layout: LSTM i,f,g,o; GRU r,z,n). */
export const RECURRENT_GATES: Record<RecurrentCell, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };

/** Activations a step saves per row for its backward, in units of H (see RecurrentStep.act). */
export const RECURRENT_SAVED: Record<RecurrentCell, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 4 };
