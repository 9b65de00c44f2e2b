/**
 * Define-by-run reverse-mode autodiff. Each differentiable op that sees an input requiring grad records
 * a `Node` holding its inputs and a backward closure (which owns whatever the op saved). `backward()`
 * walks the nodes in reverse topological order, then drops every closure it ran and the node's inputs,
 * so the saved activations become garbage as soon as the gradients exist (PyTorch's
 * `retain_graph=False`), even while the caller still holds the loss.
 */
import type { Tensor } from './tensor.js';

/** Maps the gradients of a node's outputs to the gradients of its inputs (null: no gradient). */
export type BackwardFn = (grads: (Tensor | null)[]) => (Tensor | null)[];

export class Node {
  constructor(
    readonly name: string,
    /** Emptied with `backwardFn` once the node has run. */
    public inputs: readonly Tensor[],
    public backwardFn: BackwardFn | null,
    readonly numOutputs = 1,
  ) {}
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with gradient recording off (like `torch.no_grad()`). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with gradient recording on, also inside `noGrad`. */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** True when an op on these inputs must record a node. */
export function needsGrad(...inputs: (Tensor | null | undefined)[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t && t.requiresGrad) return true;
  return false;
}

/**
 * Attaches a node to an op's outputs. `inputs` are all the op's tensor inputs in the order the backward
 * function returns their gradients.
 */
export function record(name: string, inputs: readonly Tensor[], outputs: readonly Tensor[], backward: BackwardFn): void {
  const node = new Node(name, inputs, backward, outputs.length);
  outputs.forEach((o, i) => o.setGradFn(node, i));
}

/**
 * Accumulates d(root)/d(leaf) into every leaf's `.grad`, seeding with `grad` (ones for a scalar root).
 */
export function runBackward(root: Tensor, grad: Tensor): void {
  const rootNode = root.gradFn;
  if (!rootNode) {
    if (root.requiresGrad) root.accumulateGrad(grad);
    return;
  }
  // Reverse topological order by iterative DFS.
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: [Node, number][] = [[rootNode, 0]];
  seen.add(rootNode);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node.inputs.length) {
      top[1]++;
      const child = node.inputs[i].gradFn;
      if (child && !seen.has(child)) {
        seen.add(child);
        stack.push([child, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  const pending = new Map<Node, (Tensor | null)[]>();
  pending.set(rootNode, Array.from({ length: rootNode.numOutputs }, (_, k) => (k === root.outputIndex ? grad : null)));
  for (let n = order.length - 1; n >= 0; n--) {
    const node = order[n];
    const grads = pending.get(node);
    pending.delete(node);
    if (!grads || grads.every((g) => g === null)) continue;
    if (!node.backwardFn)
      throw new Error(`backward: the graph through ${node.name} was already freed by an earlier backward()`);
    const fn = node.backwardFn;
    const inGrads = noGrad(() => fn(grads));
    const inputs = node.inputs;
    node.backwardFn = null;
    node.inputs = [];
    inputs.forEach((input, k) => {
      const g = inGrads[k];
      if (!g || !input.requiresGrad) return;
      const fn = input.gradFn;
      if (fn) {
        const slot = pending.get(fn) ?? new Array<Tensor | null>(fn.numOutputs).fill(null);
        const prev = slot[input.outputIndex];
        slot[input.outputIndex] = prev ? prev.add(g) : g;
        pending.set(fn, slot);
      } else input.accumulateGrad(g);
    });
  }
}
