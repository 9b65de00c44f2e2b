/**
 * The parity runner: runs PyTorch-generated cases (see shared/fixtures/parity/README.md) against Loom.
 * It maps specs generally (module class, constructor arguments, inputs and outputs by name); it knows no
 * case names. A case whose module Loom lacks fails as `unsupported`, never silently.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Tensor } from '../core/tensor.js';
import { compare, loadCase, type Case } from './case.js';
import { functionals, modules, optimizers, camelKeys, flattenOutputs } from './registry.js';

export interface Result {
  name: string;
  ok: boolean;
  /** `unsupported` for a module, function or optimizer Loom does not have. */
  unsupported?: boolean;
  message: string;
}

class Unsupported extends Error {}

function fail(errors: string[]): string | null {
  return errors.length ? errors.join('; ') : null;
}

function runModule(c: Case): string | null {
  const { spec } = c;
  const name = spec.module!;
  const adapter = modules[name];
  if (!adapter) throw new Unsupported(`module ${name}`);
  const m = adapter.build(spec.args ?? {});
  m.train(spec.mode !== 'eval');
  const params = new Map(c.keys('param/').map((k) => [k, c.tensor(`param/${k}`)]));
  m.loadStateDict(params, { strict: true });
  const inputs: Record<string, Tensor> = {};
  for (const n of spec.inputs ?? []) {
    const t = c.tensor(`input/${n}`);
    inputs[n] = c.has(`grad/input/${n}`) ? t.requiresGrad_(true) : t;
  }
  const outs = flattenOutputs(adapter.call(m, spec.inputs ?? [], inputs, camelKeys(spec.call_kwargs ?? {})));
  const names = spec.outputs ?? [];
  if (outs.length < names.length) return `${names.length} outputs expected, got ${outs.length}`;
  const errors: string[] = [];
  const check = (what: string, got: Tensor | null | undefined, key: string) => {
    if (!got) return errors.push(`${what}: missing`);
    const e = compare(what, got, c.tensor(key), spec.rtol, spec.atol);
    if (e) errors.push(e);
  };
  names.forEach((n, i) => check(`output ${n}`, outs[i], `output/${n}`));
  // L = sum_o sum(output_o * cotangent_o), then compare every gradient the case has
  let loss: Tensor | null = null;
  names.forEach((n, i) => {
    if (!c.has(`cotangent/${n}`) || !outs[i]!.requiresGrad) return;
    const term = outs[i]!.mul(c.tensor(`cotangent/${n}`)).sum();
    loss = loss ? loss.add(term) : term;
  });
  if (loss) (loss as Tensor).backward();
  const named = new Map(m.namedParameters());
  for (const k of c.keys('grad/param/')) check(`grad ${k}`, named.get(k)?.grad, `grad/param/${k}`);
  for (const k of c.keys('grad/input/')) check(`grad input ${k}`, inputs[k]?.grad, `grad/input/${k}`);
  // every buffer, also the non-persistent ones that stateDict() leaves out
  const state = new Map([...m.stateDict(), ...m.namedBuffers()]);
  for (const k of c.keys('buffer_after/')) check(`buffer ${k}`, state.get(k), `buffer_after/${k}`);
  return fail(errors);
}

function runFunctional(c: Case): string | null {
  const { spec } = c;
  const fn = functionals[spec.fn!];
  if (!fn) throw new Unsupported(`function ${spec.fn}`);
  const inputs = (spec.inputs ?? []).map((n) => {
    const t = c.tensor(`input/${n}`);
    return c.has(`grad/input/${n}`) ? t.requiresGrad_(true) : t;
  });
  const outs = flattenOutputs(fn(inputs, camelKeys(spec.kwargs ?? {})));
  const errors: string[] = [];
  const names = spec.outputs ?? [];
  names.forEach((n, i) => {
    const e = compare(`output ${n}`, outs[i]!, c.tensor(`output/${n}`), spec.rtol, spec.atol);
    if (e) errors.push(e);
  });
  let loss: Tensor | null = null;
  names.forEach((n, i) => {
    if (!c.has(`cotangent/${n}`) || !outs[i]!.requiresGrad) return;
    const term = outs[i]!.mul(c.tensor(`cotangent/${n}`)).sum();
    loss = loss ? loss.add(term) : term;
  });
  if (loss) (loss as Tensor).backward();
  (spec.inputs ?? []).forEach((n, i) => {
    if (!c.has(`grad/input/${n}`)) return;
    const g = inputs[i].grad ?? (inputs[i].requiresGrad ? null : undefined);
    if (!g) return errors.push(`grad input ${n}: missing`);
    const e = compare(`grad input ${n}`, g, c.tensor(`grad/input/${n}`), spec.rtol, spec.atol);
    if (e) errors.push(e);
  });
  return fail(errors);
}

function runOptim(c: Case): string | null {
  const { spec } = c;
  const make = optimizers[spec.optim!];
  if (!make) throw new Unsupported(`optimizer ${spec.optim}`);
  const names = spec.params ?? c.keys('param/');
  const params = names.map((n) => c.tensor(`param/${n}`).requiresGrad_(true));
  const opt = make(params, camelKeys(spec.kwargs ?? {}));
  const errors: string[] = [];
  for (let s = 0; s < (spec.steps ?? 0); s++) {
    names.forEach((n, i) => (params[i].grad = c.tensor(`step${s}/grad/${n}`)));
    opt.step();
    names.forEach((n, i) => {
      const e = compare(`step ${s} ${n}`, params[i], c.tensor(`step${s}/param/${n}`), spec.rtol, spec.atol);
      if (e) errors.push(e);
    });
  }
  return fail(errors);
}

export function runCase(path: string): Result {
  let name = path;
  try {
    const c = loadCase(path);
    name = c.name;
    const run = c.spec.kind === 'module' ? runModule : c.spec.kind === 'optim' ? runOptim : runFunctional;
    const err = run(c);
    return { name, ok: err === null, message: err ?? 'ok' };
  } catch (e) {
    if (e instanceof Unsupported) return { name, ok: false, unsupported: true, message: `unsupported: ${e.message}` };
    return { name, ok: false, message: `error: ${(e as Error).message}` };
  }
}

/** Every `*.safetensors` case in a directory, sorted by name. */
export function caseFiles(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`parity: '${dir}' is not a directory`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.safetensors'))
    .sort()
    .map((f) => join(dir, f));
}

/** Runs a directory of cases, printing one line per case and the summary; returns the failure count. */
export function runDirectory(dir: string, log: (line: string) => void = console.log): { passed: number; failed: number; results: Result[] } {
  const results = caseFiles(dir).map((f) => {
    const r = runCase(f);
    log(`${r.ok ? 'PASS' : 'FAIL'} ${r.name}${r.ok ? '' : ` — ${r.message}`}`);
    return r;
  });
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed, results };
}
