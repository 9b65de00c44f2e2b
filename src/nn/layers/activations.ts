/** Activation modules: thin Module wrappers over the functional forms, for use in `Sequential`. */
import type { Tensor } from '../../core/tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';

/** `torch.nn.ReLU`: max(x, 0), any shape. */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return F.relu(x);
  }
}

/**
 * `torch.nn.GELU`: x * Phi(x) with the exact erf form (`approximate: 'none'`, default) or the tanh
 * approximation x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (`'tanh'`).
 */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor({ approximate = 'none' }: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    if (approximate !== 'none' && approximate !== 'tanh') throw new Error(`GELU: approximate must be 'none' or 'tanh', got '${approximate}'`);
    this.approximate = approximate;
  }
  forward(x: Tensor): Tensor {
    return F.gelu(x, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** `torch.nn.Sigmoid`: 1 / (1 + exp(-x)). */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

/** `torch.nn.Tanh`. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

/** `torch.nn.Softmax({ dim })`: exp(x_i) / sum_j exp(x_j) along `dim` (default -1; PyTorch has no default). */
export class Softmax extends Module {
  readonly dim: number;
  constructor({ dim = -1 }: { dim?: number } = {}) {
    super();
    this.dim = dim;
  }
  forward(x: Tensor): Tensor {
    return F.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** `torch.nn.LogSoftmax({ dim })`: x_i - log sum_j exp(x_j) along `dim` (default -1). */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor({ dim = -1 }: { dim?: number } = {}) {
    super();
    this.dim = dim;
  }
  forward(x: Tensor): Tensor {
    return F.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
