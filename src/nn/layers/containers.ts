/** Containers: Sequential, ModuleList and ModuleDict, with PyTorch's state-dict keys (`0.weight`, `blocks.1.bias`). */
import type { Tensor } from '../../core/tensor.js';
import { Module, type TensorModule } from '../module.js';

/** Normalises a possibly negative position into [0, n), with an error naming both. */
function position(i: number, n: number, what: string): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${what}: index ${i} is out of range for ${n} modules`);
  return i < 0 ? i + n : i;
}

/**
 * `torch.nn.ModuleList`: an indexed list of modules registered under `0`, `1`, ... . It has no forward;
 * iterate over it in the owner's forward.
 *
 *   this.layers = this.registerModule('layers', new ModuleList(Array.from({ length: 4 }, () => new Block(cfg))));
 *   for (const layer of this.layers) x = layer.forward(x);
 */
export class ModuleList<M extends Module = Module> extends Module {
  constructor(modules: Iterable<M> = []) {
    super();
    for (const m of modules) this.push(m);
  }

  get length(): number {
    return this._modules.size;
  }

  /** The module at position `i` (negative counts from the end). */
  at(i: number): M {
    return this._modules.get(String(position(i, this.length, 'ModuleList.at')))! as M;
  }

  /** Appends `m` under the next index; returns this list. */
  push(...ms: M[]): this {
    for (const m of ms) this.registerModule(String(this.length), m);
    return this;
  }

  [Symbol.iterator](): Iterator<M> {
    return (this.children() as M[])[Symbol.iterator]();
  }
}

/**
 * `torch.nn.Sequential`: calls its modules in order, each on the previous one's output. Keys are the
 * positions: `new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2))` has `0.weight`, `0.bias`,
 * `2.weight`, `2.bias`.
 *
 *   const mlp = new Sequential(new Linear(4, 8), new ReLU(), new Linear(8, 2));
 *   const y = mlp.forward(x); // (B, 4) -> (B, 2)
 */
export class Sequential extends ModuleList<TensorModule> {
  constructor(...modules: TensorModule[]) {
    super(modules);
  }

  forward(x: Tensor): Tensor {
    for (const m of this) x = m.forward(x);
    return x;
  }
}

/**
 * `torch.nn.ModuleDict`: modules registered under string keys, in insertion order (keys `encoder.weight`).
 *
 *   const heads = new ModuleDict({ start: new Linear(64, 1), end: new Linear(64, 1) });
 *   heads.get('start').forward(h);
 */
export class ModuleDict<M extends Module = Module> extends Module {
  constructor(modules: Record<string, M> | Iterable<[string, M]> = {}) {
    super();
    const entries = Symbol.iterator in modules ? modules : Object.entries(modules);
    for (const [k, m] of entries as Iterable<[string, M]>) this.set(k, m);
  }

  get size(): number {
    return this._modules.size;
  }

  get(key: string): M {
    const m = this._modules.get(key);
    if (!m) throw new Error(`ModuleDict: no module "${key}" (keys: ${[...this._modules.keys()].join(', ') || 'none'})`);
    return m as M;
  }

  has(key: string): boolean {
    return this._modules.has(key);
  }

  /** Adds or replaces the module under `key` (a replaced key keeps its position). */
  set(key: string, m: M): this {
    this.registerModule(key, m);
    return this;
  }

  keys(): string[] {
    return [...this._modules.keys()];
  }

  values(): M[] {
    return this.children() as M[];
  }

  entries(): [string, M][] {
    return this.namedChildren() as [string, M][];
  }

  [Symbol.iterator](): Iterator<[string, M]> {
    return this.entries()[Symbol.iterator]();
  }
}
