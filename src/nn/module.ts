/**
 * Module: the base class of every layer, mirroring `torch.nn.Module`.
 *
 * A module keeps three ordered registries: parameters, buffers and child modules. Subclasses register
 * explicitly in their constructor and keep a typed field for each entry:
 *
 *   class Affine extends Module {
 *     readonly weight: Tensor;
 *     readonly bias: Tensor | null;
 *     readonly norm: LayerNorm;
 *     constructor(n: number) {
 *       super();
 *       this.weight = this.registerParameter('weight', Parameter(ones([n])));
 *       this.bias = this.registerParameter('bias', Parameter(zeros([n])));
 *       this.norm = this.registerModule('norm', new LayerNorm(n));
 *     }
 *     forward(x: Tensor): Tensor { return this.norm.forward(x).mul(this.weight).add(this.bias!); }
 *   }
 *
 * Registration order is the PyTorch order of `named_parameters()` and `state_dict()` keys, so register in
 * the order PyTorch's `__init__` assigns (e.g. `weight` before `bias`). Reassigning a field does not
 * update the registry; call `registerParameter` again with the same name (the key keeps its position).
 *
 * `forward` is not declared here: each subclass defines it with its own signature and callers use
 * `m.forward(x)`. Containers that chain modules (`Sequential`) take modules with `forward(x: Tensor): Tensor`.
 */
import { noGrad } from '../core/autograd.js';
import { fmt, sameShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';
import { isParameter } from './parameter.js';

/** What `loadStateDict` accepts: a Map (as `stateDict()` returns) or a plain object of tensors. */
export type StateDict = Map<string, Tensor> | Record<string, Tensor>;

export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** A module whose forward maps one tensor to one tensor (what `Sequential` chains). */
export type TensorModule = Module & { forward(x: Tensor): Tensor };

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || name === '') throw new TypeError(`${kind}: name must be a non-empty string`);
  if (name.includes('.')) throw new TypeError(`${kind}: name "${name}" must not contain "."`);
}

export class Module {
  /** True in training mode (dropout active); set through `train()` / `eval()`. */
  training = true;
  protected readonly _parameters = new Map<string, Tensor | null>();
  protected readonly _buffers = new Map<string, Tensor | null>();
  protected readonly _nonPersistent = new Set<string>();
  protected readonly _modules = new Map<string, Module | null>();

  // ---- registration ------------------------------------------------------------------------------

  /**
   * Registers a parameter made by `Parameter()` (or null, an absent optional parameter such as a
   * disabled bias) under `name`, and returns it.
   */
  registerParameter<T extends Tensor | null>(name: string, t: T): T {
    checkName('registerParameter', name);
    this.checkFree(name, this._parameters);
    if (t !== null && !isParameter(t))
      throw new TypeError(`registerParameter("${name}"): expected a parameter; wrap the tensor with Parameter(t)`);
    this._parameters.set(name, t);
    return t;
  }

  /**
   * Registers a buffer: state that is not trained (running statistics, masks). Persistent buffers are
   * part of `stateDict()`; non-persistent ones are not. Its storage becomes engine-owned.
   */
  registerBuffer<T extends Tensor | null>(name: string, t: T, persistent = true): T {
    checkName('registerBuffer', name);
    this.checkFree(name, this._buffers);
    if (t !== null && !(t instanceof Tensor)) throw new TypeError(`registerBuffer("${name}"): expected a Tensor or null`);
    if (t) t.storage.kept = true;
    this._buffers.set(name, t);
    if (persistent) this._nonPersistent.delete(name);
    else this._nonPersistent.add(name);
    return t;
  }

  /** Registers a child module under `name` (its keys get the prefix `name.`), and returns it. */
  registerModule<M extends Module | null>(name: string, m: M): M {
    checkName('registerModule', name);
    this.checkFree(name, this._modules);
    if (m !== null && !(m instanceof Module)) throw new TypeError(`registerModule("${name}"): expected a Module or null`);
    this._modules.set(name, m);
    return m;
  }

  private checkFree(name: string, own: Map<string, unknown>): void {
    for (const [kind, reg] of [['parameter', this._parameters], ['buffer', this._buffers], ['module', this._modules]] as const)
      if (reg !== own && reg.has(name)) throw new Error(`${this.constructor.name}: "${name}" is already registered as a ${kind}`);
  }

  // ---- traversal ---------------------------------------------------------------------------------

  /** The direct children, in registration order. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, m] of this._modules) if (m) out.push([k, m]);
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  /** This module and every descendant (pre-order, each once), with dotted names; this module is `prefix`. */
  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [];
    const seen = new Set<Module>();
    const walk = (m: Module, name: string) => {
      if (seen.has(m)) return;
      seen.add(m);
      out.push([name, m]);
      for (const [k, c] of m.namedChildren()) walk(c, name ? `${name}.${k}` : k);
    };
    walk(this, prefix);
    return out;
  }

  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Parameters with dotted PyTorch names (`0.weight`, `layers.1.bias`); a shared parameter appears once. */
  namedParameters(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedMembers((m) => m._parameters, prefix, recurse);
  }

  parameters(recurse = true): Tensor[] {
    return this.namedParameters('', recurse).map(([, p]) => p);
  }

  /** Buffers (persistent or not) with dotted names. */
  namedBuffers(prefix = '', recurse = true): [string, Tensor][] {
    return this.namedMembers((m) => m._buffers, prefix, recurse);
  }

  buffers(recurse = true): Tensor[] {
    return this.namedBuffers('', recurse).map(([, b]) => b);
  }

  private namedMembers(get: (m: Module) => Map<string, Tensor | null>, prefix: string, recurse: boolean): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    const seen = new Set<Tensor>();
    const mods: [string, Module][] = recurse ? this.namedModules(prefix) : [[prefix, this]];
    for (const [name, m] of mods)
      for (const [k, t] of get(m)) {
        if (!t || seen.has(t)) continue;
        seen.add(t);
        out.push([name ? `${name}.${k}` : k, t]);
      }
    return out;
  }

  /** The number of parameter elements (each shared parameter counted once). */
  numParameters(onlyTrainable = false): number {
    return this.parameters().reduce((n, p) => n + (onlyTrainable && !p.requiresGrad ? 0 : p.numel), 0);
  }

  /** Calls `fn` on every descendant and then on this module (post-order, as PyTorch's `apply`). */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- modes and gradients -----------------------------------------------------------------------

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes every parameter. */
  requiresGrad_(flag = true): this {
    for (const p of this.parameters()) p.requiresGrad_(flag);
    return this;
  }

  /** Drops every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  // ---- state dict --------------------------------------------------------------------------------

  /**
   * Parameters and persistent buffers under their PyTorch keys, in PyTorch order: each module's own
   * parameters, then its persistent buffers, then its children recursively. A tied parameter appears under
   * every key it is registered at. Values share memory with the module (detached views).
   */
  stateDict(prefix = ''): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const [k, t] of this.stateEntries(prefix)) out.set(k, t.detach());
    return out;
  }

  private stateEntries(prefix: string, out = new Map<string, Tensor>()): Map<string, Tensor> {
    for (const [k, p] of this._parameters) if (p) out.set(prefix + k, p);
    for (const [k, b] of this._buffers) if (b && !this._nonPersistent.has(k)) out.set(prefix + k, b);
    for (const [k, m] of this._modules) if (m) m.stateEntries(`${prefix}${k}.`, out);
    return out;
  }

  /**
   * Copies `state` into this module's parameters and buffers in place (tensors keep their identity, so
   * optimizers holding them stay valid). Nothing is copied unless every check passes.
   *
   * Size mismatches always throw (as in PyTorch). With `strict` (default) missing and unexpected keys
   * throw too, in the same single error listing every problem; otherwise they are returned.
   */
  loadStateDict(state: StateDict, { strict = true }: { strict?: boolean } = {}): LoadResult {
    const src = state instanceof Map ? state : new Map(Object.entries(state));
    const own = this.stateEntries('');
    const missingKeys: string[] = [];
    const unexpectedKeys: string[] = [];
    const mismatches: string[] = [];
    for (const [k, dst] of own) {
      const v = src.get(k);
      if (v === undefined) missingKeys.push(k);
      else if (!(v instanceof Tensor)) mismatches.push(`value for ${k} is not a Tensor`);
      else if (!sameShape(v.shape, dst.shape))
        mismatches.push(`size mismatch for ${k}: copying a param with shape ${fmt(v.shape)}, the shape in current model is ${fmt(dst.shape)}`);
    }
    for (const k of src.keys()) if (!own.has(k)) unexpectedKeys.push(k);
    const errors: string[] = [];
    if (strict && missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    if (strict && unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
    errors.push(...mismatches);
    if (errors.length) throw new Error(`Error(s) in loading state_dict for ${this.constructor.name}:\n\t${errors.join('\n\t')}`);
    noGrad(() => {
      for (const [k, dst] of own) {
        const v = src.get(k);
        if (!v) continue;
        if (v.storage !== dst.storage) dst.copy_(v);
        // its own state (views of the same memory) needs no copy; another view of it is copied via a clone
        else if (v.offset !== dst.offset || !sameShape(v.strides, dst.strides)) dst.copy_(v.clone());
      }
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- printing ----------------------------------------------------------------------------------

  /** The constructor arguments shown by `toString()` (PyTorch's `extra_repr`). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style summary: `Sequential(\n  (0): Linear(in_features=4, out_features=3, bias=true)\n)`. */
  toString(): string {
    const kids = this.namedChildren();
    const head = `${this.constructor.name}(${this.extraRepr()}`;
    if (!kids.length) return `${head})`;
    const lines = kids.map(([k, m]) => `  (${k}): ${m.toString().replace(/\n/g, '\n  ')}`);
    return `${head}\n${lines.join('\n')}\n)`;
  }
}
