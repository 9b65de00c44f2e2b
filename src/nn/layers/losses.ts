/**
 * Loss modules: `torch.nn` loss classes holding their options; each `forward(input, target)` calls the
 * functional form in ./functional.ts, where the equations and shapes are documented.
 *
 *   const criterion = new CrossEntropyLoss({ ignoreIndex: PAD, labelSmoothing: 0.1 });
 *   const loss = criterion.forward(logits.view(B * T, V), targets.view(B * T));
 */
import type { Tensor } from '../../core/tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';

/** `torch.nn.CrossEntropyLoss`: logSoftmax over dim 1 + NLL; see `F.crossEntropy`. */
export class CrossEntropyLoss extends Module {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: F.Reduction;
  readonly labelSmoothing: number;

  constructor({ weight = null, ignoreIndex = -100, reduction = 'mean', labelSmoothing = 0 }: F.CrossEntropyOptions = {}) {
    super();
    // PyTorch registers the class weight as a buffer of the loss module
    this.weight = this.registerBuffer('weight', weight);
    this.ignoreIndex = ignoreIndex;
    this.reduction = reduction;
    this.labelSmoothing = labelSmoothing;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    const { weight, ignoreIndex, reduction, labelSmoothing } = this;
    return F.crossEntropy(input, target, { weight, ignoreIndex, reduction, labelSmoothing });
  }
}

/** `torch.nn.NLLLoss` on log-probabilities; see `F.nllLoss`. */
export class NLLLoss extends Module {
  readonly weight: Tensor | null;
  readonly ignoreIndex: number;
  readonly reduction: F.Reduction;

  constructor({ weight = null, ignoreIndex = -100, reduction = 'mean' }: F.NLLOptions = {}) {
    super();
    this.weight = this.registerBuffer('weight', weight);
    this.ignoreIndex = ignoreIndex;
    this.reduction = reduction;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, { weight: this.weight, ignoreIndex: this.ignoreIndex, reduction: this.reduction });
  }
}

/** `torch.nn.MSELoss`: mean (or sum, or none) of (input - target)^2. */
export class MSELoss extends Module {
  readonly reduction: F.Reduction;

  constructor({ reduction = 'mean' }: { reduction?: F.Reduction } = {}) {
    super();
    this.reduction = reduction;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, { reduction: this.reduction });
  }
}

/** `torch.nn.BCEWithLogitsLoss`: sigmoid + binary cross-entropy in one stable op; see `F.binaryCrossEntropyWithLogits`. */
export class BCEWithLogitsLoss extends Module {
  readonly weight: Tensor | null;
  readonly posWeight: Tensor | null;
  readonly reduction: F.Reduction;

  constructor({ weight = null, posWeight = null, reduction = 'mean' }: F.BCEWithLogitsOptions = {}) {
    super();
    this.weight = this.registerBuffer('weight', weight);
    this.posWeight = this.registerBuffer('pos_weight', posWeight);
    this.reduction = reduction;
  }

  forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, { weight: this.weight, posWeight: this.posWeight, reduction: this.reduction });
  }
}
