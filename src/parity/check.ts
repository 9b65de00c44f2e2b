/**
 * Runs one parsed PyTorch parity case against Loom (browser-safe). It maps specs generally (module class,
 * constructor arguments, inputs and outputs by name); it knows no case names. A case whose module Loom
 * lacks fails as `unsupported`, never silently.
 */
import type { Tensor } from '../core/tensor.js';
import { compare, type Case } from './case.js';
import { functionals, modules, optimizers, camelKeys, flattenOutputs } from './registry.js';

export interface Result {
  name: string;
  ok: boolean;
  /** `unsupported` for a module, function or optimizer Loom does not have. */
  unsupported?: boolean;
  message: string;
}

class Unsupported extends Error {}

/** Collects comparison failures of one case. */
class Checks {
  readonly errors: string[] = [];
  constructor(private readonly c: Case) {}

  /** Compares `got` with the case's tensor `key` at the case's tolerance. */
  check(what: string, got: Tensor | null | undefined, key: string): void {
    if (!got) return void this.errors.push(`${what}: missing`);
    const e = compare(what, got, this.c.tensor(key), this.c.spec.rtol, this.c.spec.atol);
    if (e) this.errors.push(e);
  }

  get result(): string | null {
    return this.errors.length ? this.errors.join('; ') : null;
  }
}

/** The case's inputs by name, requiring grad where the case has a gradient for them. */
function caseInputs(c: Case): Record<string, Tensor> {
  const inputs: Record<string, Tensor> = {};
  for (const n of c.spec.inputs ?? []) {
    const t = c.tensor(`input/${n}`);
    inputs[n] = c.has(`grad/input/${n}`) ? t.requiresGrad_(true) : t;
  }
  return inputs;
}

/**
 * Compares the outputs, then backpropagates L = sum_o sum(output_o * cotangent_o) and compares the
 * inputs' gradients. Returns false when an output is missing (nothing further to check).
 */
function checkOutputsAndInputGrads(c: Case, checks: Checks, outs: (Tensor | null)[], inputs: Record<string, Tensor>): boolean {
  const names = c.spec.outputs ?? [];
  if (outs.length < names.length) {
    checks.errors.push(`${names.length} outputs expected, got ${outs.length}`);
    return false;
  }
  names.forEach((n, i) => checks.check(`output ${n}`, outs[i], `output/${n}`));
  let loss: Tensor | null = null;
  names.forEach((n, i) => {
    const out = outs[i];
    if (!out || !c.has(`cotangent/${n}`) || !out.requiresGrad) return;
    const term = out.mul(c.tensor(`cotangent/${n}`)).sum();
    loss = loss ? loss.add(term) : term;
  });
  if (loss) (loss as Tensor).backward();
  for (const k of c.keys('grad/input/')) checks.check(`grad input ${k}`, inputs[k]?.grad, `grad/input/${k}`);
  return true;
}

function runModule(c: Case): string | null {
  const { spec } = c;
  const adapter = modules[spec.module!];
  if (!adapter) throw new Unsupported(`module ${spec.module}`);
  const m = adapter.build(spec.args ?? {});
  m.train(spec.mode !== 'eval');
  m.loadStateDict(new Map(c.keys('param/').map((k) => [k, c.tensor(`param/${k}`)])), { strict: true });
  const inputs = caseInputs(c);
  const outs = flattenOutputs(adapter.call(m, spec.inputs ?? [], inputs, camelKeys(spec.call_kwargs ?? {})));
  const checks = new Checks(c);
  if (!checkOutputsAndInputGrads(c, checks, outs, inputs)) return checks.result;
  const named = new Map(m.namedParameters());
  for (const k of c.keys('grad/param/')) checks.check(`grad ${k}`, named.get(k)?.grad, `grad/param/${k}`);
  // every buffer, also the non-persistent ones that stateDict() leaves out
  const state = new Map([...m.stateDict(), ...m.namedBuffers()]);
  for (const k of c.keys('buffer_after/')) checks.check(`buffer ${k}`, state.get(k), `buffer_after/${k}`);
  return checks.result;
}

function runFunctional(c: Case): string | null {
  const { spec } = c;
  const fn = functionals[spec.fn!];
  if (!fn) throw new Unsupported(`function ${spec.fn}`);
  const inputs = caseInputs(c);
  const outs = flattenOutputs(fn((spec.inputs ?? []).map((n) => inputs[n]), camelKeys(spec.kwargs ?? {})));
  const checks = new Checks(c);
  checkOutputsAndInputGrads(c, checks, outs, inputs);
  return checks.result;
}

function runOptim(c: Case): string | null {
  const { spec } = c;
  const make = optimizers[spec.optim!];
  if (!make) throw new Unsupported(`optimizer ${spec.optim}`);
  const names = spec.params ?? c.keys('param/');
  const params = names.map((n) => c.tensor(`param/${n}`).requiresGrad_(true));
  const opt = make(params, camelKeys(spec.kwargs ?? {}));
  const checks = new Checks(c);
  for (let s = 0; s < (spec.steps ?? 0); s++) {
    names.forEach((n, i) => (params[i].grad = c.tensor(`step${s}/grad/${n}`)));
    opt.step();
    names.forEach((n, i) => checks.check(`step ${s} ${n}`, params[i], `step${s}/param/${n}`));
  }
  return checks.result;
}

/** Builds, runs and compares one case; every failure (also a throw) is a result, never an exception. */
export function checkCase(c: Case): Result {
  try {
    const run = c.spec.kind === 'module' ? runModule : c.spec.kind === 'optim' ? runOptim : runFunctional;
    const err = run(c);
    return { name: c.name, ok: err === null, message: err ?? 'ok' };
  } catch (e) {
    if (e instanceof Unsupported) return { name: c.name, ok: false, unsupported: true, message: `unsupported: ${e.message}` };
    return { name: c.name, ok: false, message: `error: ${(e as Error).message}` };
  }
}
