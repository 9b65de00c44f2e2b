/**
 * The optimizer base: parameter groups, lazily created per-parameter state, `zeroGrad`, `step` and a
 * state dict, as torch.optim.Optimizer.
 *
 * Each optimizer splits in two, PyTorch style: a class that owns the groups and the state, and a pure
 * update function over flat Float32Arrays (views of the heap at each tensor's `base`) that holds all the
 * math, so a WebAssembly kernel can replace it one-for-one.
 */
import { enableGrad } from '../core/autograd.js';
import { zerosLike } from '../core/creation.js';
import { fmt, sameShape } from '../core/shape.js';
import { Tensor } from '../core/tensor.js';

export { flat } from '../core/heap-view.js';

/** Hyper-parameters every optimizer has. */
export interface GroupOptions {
  lr: number;
}

/** A parameter group: its tensors and its hyper-parameters (the defaults, overridden per group). */
export type ParamGroup<O extends GroupOptions = GroupOptions> = O & {
  params: Tensor[];
  /** The learning rate a schedule started from (PyTorch's `initial_lr`), set by the first schedule. */
  initialLr?: number;
};

/** What a constructor takes: tensors, or groups of tensors each overriding some defaults. */
export type ParamsArg<O extends GroupOptions = GroupOptions> = Iterable<Tensor> | GroupSpec<O>[];
export type GroupSpec<O extends GroupOptions = GroupOptions> = Partial<O> & { params: Iterable<Tensor> | Tensor };

/** A parameter's state: scalars (the `step` count) and tensors (`exp_avg`, `momentum_buffer`, ...). */
export type ParamState = Record<string, Tensor | number>;

/** The JSON half of a state dict: per-parameter scalars and each group's hyper-parameters. */
export interface OptimizerJson {
  /** By parameter index (the order of parameters across groups): the non-tensor state, e.g. `{ step: 3 }`. */
  state: Record<string, Record<string, number>>;
  /** Hyper-parameters of each group, with `params` as parameter indices. */
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

/**
 * `stateDict()`'s result. `json` survives JSON.stringify; `tensors` holds the state tensors, named
 * `state.<index>.<name>` (`state.0.exp_avg`), ready to be stored as safetensors.
 */
export interface OptimizerStateDict {
  json: OptimizerJson;
  tensors: Map<string, Tensor>;
}

/** Throws PyTorch's message (`Invalid learning rate: -1`) unless `ok`. */
export function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new Error(`Invalid ${what}: ${Array.isArray(value) ? `[${value.join(', ')}]` : value}`);
}

/**
 * Base class of all optimizers. Subclasses give their defaults, `validate` (checks a group's
 * hyper-parameters) and `update` (one parameter's step: create state lazily, then call the pure update).
 */
export abstract class Optimizer<O extends GroupOptions = GroupOptions> {
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state, created on the first step that sees the parameter's gradient. */
  state = new Map<Tensor, ParamState>();

  /** `defaults.lr` may be left out only when every group gives its own (SGD's required lr). */
  constructor(
    params: ParamsArg<O>,
    readonly defaults: Omit<O, 'lr'> & { lr?: number },
  ) {
    this.validate(defaults as Partial<O>);
    const list = [...(params as Iterable<Tensor | GroupSpec<O>>)];
    if (list.length === 0) throw new Error('optimizer got an empty parameter list');
    const specs = list.every((x) => x instanceof Tensor) ? [{ params: list as Tensor[] } as unknown as GroupSpec<O>] : (list as GroupSpec<O>[]);
    for (const spec of specs) this.addParamGroup(spec);
  }

  /** The class name, for messages. */
  get name(): string {
    return this.constructor.name;
  }

  /** Checks hyper-parameters (the defaults, then each merged group), throwing PyTorch's message. */
  protected abstract validate(group: Partial<O>): void;

  /** One parameter's step: `grad` is contiguous, float32 and shaped like `p`. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<O>): void;

  /** Adds a group; hyper-parameters it leaves out come from the defaults. */
  addParamGroup(spec: GroupSpec<O>): void {
    if (spec === null || typeof spec !== 'object' || !('params' in spec))
      throw new Error(`${this.name}: a parameter group must be an object with a "params" field, got ${spec}`);
    const params = spec.params instanceof Tensor ? [spec.params] : [...spec.params];
    const seen = new Set<Tensor>();
    for (const p of params) {
      if (!(p instanceof Tensor)) throw new Error(`optimizer can only optimize Tensors, but one of the params is ${typeof p}`);
      if (!p.isLeaf) throw new Error("can't optimize a non-leaf Tensor");
      if (p.dtype !== 'float32') throw new Error(`${this.name}: can only optimize float32 tensors, got ${p.dtype} of shape ${fmt(p.shape)}`);
      if (seen.has(p)) throw new Error(`${this.name}: a parameter group contains the same parameter twice`);
      seen.add(p);
    }
    for (const g of this.paramGroups)
      for (const p of g.params) if (seen.has(p)) throw new Error('some parameters appear in more than one parameter group');
    const group = { ...this.defaults, ...spec, params } as ParamGroup<O>;
    for (const [k, v] of [['lr', group.lr], ...Object.entries(group)])
      if (v === undefined) throw new Error(`parameter group didn't specify a value of required optimization parameter ${k}`);
    this.validate(group);
    this.paramGroups.push(group);
  }

  /** Drops every gradient (`setToNone`, PyTorch's default) or fills it with zeros. */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups)
      for (const p of g.params) {
        if (!p.grad) continue;
        if (setToNone) p.grad = null;
        else p.grad.fill_(0);
      }
  }

  /**
   * Updates every parameter that has a gradient. `closure`, if given, re-evaluates the model and
   * returns the loss (run with gradients enabled); its result is returned.
   */
  step<L>(closure?: () => L): L | undefined {
    const loss = closure ? enableGrad(closure) : undefined;
    for (const group of this.paramGroups)
      for (const p of group.params) {
        if (!p.grad) continue;
        let g = p.grad;
        if (!sameShape(g.shape, p.shape) || g.dtype !== 'float32')
          throw new Error(`${this.name}: parameter of shape ${fmt(p.shape)} has a ${g.dtype} gradient of shape ${fmt(g.shape)}`);
        if (!p.isContiguous()) throw new Error(`${this.name}: parameter of shape ${fmt(p.shape)} is not contiguous; it is updated in place`);
        g = g.contiguous();
        let state = this.state.get(p);
        if (!state) this.state.set(p, (state = {}));
        this.update(p, g, state, group);
      }
    return loss;
  }

  /** A zero state tensor shaped like `p`, owned by the engine. */
  protected zerosFor(p: Tensor): Tensor {
    const t = zerosLike(p);
    t.storage.kept = true;
    return t;
  }

  /** The state tensor `name`, created as zeros when missing. */
  protected buffer(state: ParamState, name: string, p: Tensor): Tensor {
    const t = state[name];
    if (t instanceof Tensor) return t;
    return (state[name] = this.zerosFor(p));
  }

  /**
   * The groups' hyper-parameters and the per-parameter state. As in PyTorch the tensors are the live
   * state, not copies: store them before the next `step()`.
   */
  stateDict(): OptimizerStateDict {
    const json: OptimizerJson = { state: {}, paramGroups: [] };
    const tensors = new Map<string, Tensor>();
    let index = 0;
    for (const group of this.paramGroups) {
      const { params, ...options } = group;
      const ids: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s) {
          const scalars: Record<string, number> = {};
          for (const [k, v] of Object.entries(s)) {
            if (v instanceof Tensor) tensors.set(`state.${index}.${k}`, v);
            else scalars[k] = v;
          }
          json.state[index] = scalars;
        }
        ids.push(index++);
      }
      json.paramGroups.push({ ...structuredClone(options), params: ids });
    }
    return { json, tensors };
  }

  /**
   * Restores a `stateDict()` result: the groups must have the same sizes; hyper-parameters and state
   * are replaced (state tensors are copied).
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const { json, tensors } = sd;
    if (json.paramGroups.length !== this.paramGroups.length)
      throw new Error(`${this.name}.loadStateDict: loaded state dict has a different number of parameter groups (${json.paramGroups.length}, optimizer has ${this.paramGroups.length})`);
    const byIndex = new Map<number, Tensor>();
    this.paramGroups.forEach((g, i) => {
      const saved = json.paramGroups[i].params;
      if (saved.length !== g.params.length)
        throw new Error(`${this.name}.loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group ${i}: ${saved.length} saved, ${g.params.length} here)`);
      saved.forEach((id, j) => byIndex.set(id, g.params[j]));
    });
    const state = new Map<Tensor, ParamState>();
    const get = (id: number): ParamState => {
      const p = byIndex.get(id);
      if (!p) throw new Error(`${this.name}.loadStateDict: state for parameter ${id}, which no group lists`);
      let s = state.get(p);
      if (!s) state.set(p, (s = {}));
      return s;
    };
    for (const [id, scalars] of Object.entries(json.state)) Object.assign(get(Number(id)), scalars);
    for (const [key, t] of tensors) {
      const m = /^state\.(\d+)\.(\w+)$/.exec(key);
      if (!m) throw new Error(`${this.name}.loadStateDict: state tensor name ${JSON.stringify(key)} is not state.<index>.<name>`);
      const p = byIndex.get(Number(m[1]));
      if (p && !sameShape(p.shape, t.shape))
        throw new Error(`${this.name}.loadStateDict: ${key} has shape ${fmt(t.shape)} but parameter ${m[1]} has shape ${fmt(p.shape)}`);
      if (t.dtype !== 'float32') throw new Error(`${this.name}.loadStateDict: ${key} is ${t.dtype}, expected float32`);
      const copy = t.clone();
      copy.storage.kept = true;
      get(Number(m[1]))[m[2]] = copy;
    }
    // Saved hyper-parameters replace the current ones (defaults fill keys the save lacks); all groups
    // are validated before any changes.
    const groups = this.paramGroups.map((g, i) => {
      const options: Record<string, unknown> = { ...json.paramGroups[i] };
      delete options.params;
      const merged = { ...this.defaults, ...structuredClone(options), params: g.params } as ParamGroup<O>;
      this.validate(merged);
      return merged;
    });
    this.paramGroups.splice(0, groups.length, ...groups);
    this.state = state;
  }
}
