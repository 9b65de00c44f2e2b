/**
 * Parameters: the trainable tensors of a module. Loom has no Parameter class; a parameter is a float32
 * leaf Tensor that requires grad and whose storage is engine-owned (`storage.kept`, so `scope()` never
 * frees it), and that `Parameter()` has marked, so `Module.registerParameter` can refuse plain tensors
 * the way PyTorch's `register_parameter` refuses a non-Parameter.
 */
import { Tensor } from '../core/tensor.js';

const marked = new WeakSet<Tensor>();

/**
 * Makes `t` a parameter (like `torch.nn.Parameter(t, requires_grad)`): a new leaf tensor sharing `t`'s
 * data, requiring grad (unless `requiresGrad` is false: a frozen parameter), with engine-owned storage.
 *
 *   this.weight = this.registerParameter('weight', Parameter(Tensor.empty([out, in])));
 */
export function Parameter(t: Tensor, requiresGrad = true): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`Parameter: expected a Tensor, got ${typeof t}`);
  if (t.dtype !== 'float32') throw new TypeError(`Parameter: parameters must be float32, got ${t.dtype}`);
  const p = t.detach();
  p.requiresGrad_(requiresGrad);
  p.storage.kept = true;
  marked.add(p);
  return p;
}

/** True for tensors made by `Parameter()`. */
export function isParameter(t: unknown): t is Tensor {
  return t instanceof Tensor && marked.has(t);
}
