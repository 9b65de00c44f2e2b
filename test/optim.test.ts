import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { fromArray, zeros } from '../src/core/creation.js';
import { Tensor } from '../src/core/tensor.js';
import { parseSafetensors, serializeSafetensors, type SafeTensor } from '../src/io/safetensors.js';
import { fromSafeTensor } from '../src/io/tensors.js';
import { camelKeys } from '../src/parity/registry.js';
import {
  Adam,
  AdamW,
  clipGradNorm,
  clipGradValue,
  CosineWithWarmup,
  LambdaLR,
  Optimizer,
  RMSprop,
  SGD,
  StepLR,
  type OptimizerStateDict,
} from '../src/optim/index.js';
import { Generator } from '../src/core/random.js';
import { parityCases } from './helpers/cases.js';
import { assertClose } from './helpers/close.js';

/** A seeded uniform function on the engine's generator. */
function seeded(seed: number): () => number {
  const g = new Generator(seed);
  return () => g.uniform();
}

/** Values uniform in [-1, 1), rounded to float32 so the float64 reference sees the same inputs. */
function uniform(rng: () => number, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => Math.fround(scale * (2 * rng() - 1)));
}

const param = (values: ArrayLike<number>, shape = [values.length]) => fromArray(Float32Array.from(values), shape).requiresGrad_();
const setGrad = (p: Tensor, values: ArrayLike<number>) => (p.grad = fromArray(Float32Array.from(values), [...p.shape]));
const values = (t: Tensor) => Array.from(t.toArray());

// ---- PyTorch parity --------------------------------------------------------------------------------

const MAKE: Record<string, (p: Tensor[], kw: Record<string, unknown>) => Optimizer<any>> = {
  SGD: (p, kw) => new SGD(p, kw),
  Adam: (p, kw) => new Adam(p, kw),
  AdamW: (p, kw) => new AdamW(p, kw),
  RMSprop: (p, kw) => new RMSprop(p, kw),
};

describe('PyTorch parity (test/parity/optim)', () => {
  const cases = parityCases('optim');

  test('the optim cases are all there', () => {
    const names = cases.map((c) => c.name);
    for (const n of ['adam', 'adamw', 'rmsprop', 'sgd_momentum_wd', 'clip_grad_norm']) assert.ok(names.includes(`optim/${n}`), `missing optim/${n}`);
  });

  for (const c of cases) {
    const { name, spec } = c;
    test(name, () => {
      if (spec.kind === 'optim') {
        const make = MAKE[spec.optim!];
        assert.ok(make, `no optimizer ${spec.optim}`);
        const params = spec.params!.map((n) => c.tensor(`param/${n}`).requiresGrad_());
        const opt = make(params, camelKeys(spec.kwargs ?? {}));
        for (let s = 0; s < spec.steps!; s++) {
          opt.zeroGrad();
          spec.params!.forEach((n, i) => (params[i].grad = c.tensor(`step${s}/grad/${n}`)));
          opt.step();
          spec.params!.forEach((n, i) => assertClose(params[i], c.tensor(`step${s}/param/${n}`), spec, `${name} step ${s} ${n}`));
        }
      } else {
        assert.equal(spec.fn, 'clip_grad_norm_');
        const kw = camelKeys(spec.kwargs ?? {}) as { maxNorm: number; normType?: number };
        const params = spec.inputs!.map((n) => {
          const g = c.tensor(`input/${n}`);
          const p = zeros(g.shape).requiresGrad_();
          p.grad = g;
          return p;
        });
        const total = clipGradNorm(params, kw.maxNorm, kw.normType ?? 2);
        assertClose([total], c.tensor('output/total_norm'), spec, `${name} total_norm`);
        spec.inputs!.forEach((n, i) => assertClose(params[i].grad, c.tensor(`output/${n}`), spec, `${name} ${n}`));
      }
    });
  }
});

// ---- float64 references (independent of the library) ----------------------------------------------

type Ref = (p: number[], g: number[], s: Record<string, number[]>, t: number) => void;

function refSGD(o: { lr: number; momentum: number; dampening: number; wd: number; nesterov: boolean; maximize?: boolean }): Ref {
  return (p, grad, s, t) => {
    s.buf ??= [];
    for (let i = 0; i < p.length; i++) {
      let d = (o.maximize ? -grad[i] : grad[i]) + o.wd * p[i];
      s.buf[i] = t === 1 ? d : o.momentum * s.buf[i] + (1 - o.dampening) * d;
      d = o.nesterov ? d + o.momentum * s.buf[i] : s.buf[i];
      p[i] -= o.lr * d;
    }
  };
}

function refAdam(o: { lr: number; b1: number; b2: number; eps: number; wd: number; decoupled: boolean; amsgrad: boolean }): Ref {
  return (p, grad, s, t) => {
    s.m ??= p.map(() => 0);
    s.v ??= p.map(() => 0);
    s.vmax ??= p.map(() => 0);
    for (let i = 0; i < p.length; i++) {
      if (o.decoupled) p[i] *= 1 - o.lr * o.wd;
      const g = grad[i] + (o.decoupled ? 0 : o.wd * p[i]);
      s.m[i] = o.b1 * s.m[i] + (1 - o.b1) * g;
      s.v[i] = o.b2 * s.v[i] + (1 - o.b2) * g * g;
      s.vmax[i] = Math.max(s.vmax[i], s.v[i]);
      const mHat = s.m[i] / (1 - o.b1 ** t);
      const vHat = (o.amsgrad ? s.vmax[i] : s.v[i]) / (1 - o.b2 ** t);
      p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
    }
  };
}

function refRMSprop(o: { lr: number; alpha: number; eps: number; wd: number; momentum: number; centered: boolean }): Ref {
  return (p, grad, s) => {
    s.sq ??= p.map(() => 0);
    s.gavg ??= p.map(() => 0);
    s.buf ??= p.map(() => 0);
    for (let i = 0; i < p.length; i++) {
      const g = grad[i] + o.wd * p[i];
      s.sq[i] = o.alpha * s.sq[i] + (1 - o.alpha) * g * g;
      s.gavg[i] = o.alpha * s.gavg[i] + (1 - o.alpha) * g;
      const a = Math.sqrt(o.centered ? s.sq[i] - s.gavg[i] ** 2 : s.sq[i]) + o.eps;
      if (o.momentum > 0) {
        s.buf[i] = o.momentum * s.buf[i] + g / a;
        p[i] -= o.lr * s.buf[i];
      } else p[i] -= (o.lr * g) / a;
    }
  };
}

/** Runs an optimizer and its float64 reference on the same gradients; gradient scales vary per step. */
function againstReference(make: (p: Tensor[]) => Optimizer<any>, ref: Ref, steps = 6, rtol = 1e-5, atol = 1e-6): void {
  const rng = seeded(7);
  const init = [uniform(rng, 12), uniform(rng, 5)];
  const params = init.map((v) => param(v));
  const opt = make(params);
  const refP = init.map((v) => [...v]);
  const refS = init.map(() => ({}) as Record<string, number[]>);
  const scales = [1, 0.5, 0.02, 0.02, 2, 0.1, 1, 1];
  for (let t = 1; t <= steps; t++) {
    opt.zeroGrad();
    const grads = init.map((v) => uniform(rng, v.length, scales[(t - 1) % scales.length]));
    params.forEach((p, i) => setGrad(p, grads[i]));
    opt.step();
    refP.forEach((p, i) => ref(p, grads[i], refS[i], t));
    params.forEach((p, i) => assertClose(p.toArray(), refP[i], { rtol, atol }, `step ${t} param ${i}`));
  }
}

describe('optimizers against a float64 reference', () => {
  test('SGD, Nesterov momentum and weight decay', () =>
    againstReference(
      (p) => new SGD(p, { lr: 0.05, momentum: 0.9, weightDecay: 0.01, nesterov: true }),
      refSGD({ lr: 0.05, momentum: 0.9, dampening: 0, wd: 0.01, nesterov: true }),
    ));
  test('SGD, dampening (none on the first step) and maximize', () =>
    againstReference(
      (p) => new SGD(p, { lr: 0.1, momentum: 0.8, dampening: 0.3, maximize: true }),
      refSGD({ lr: 0.1, momentum: 0.8, dampening: 0.3, wd: 0, nesterov: false, maximize: true }),
    ));
  test('SGD without momentum keeps no state', () => {
    const p = param([1, 2]);
    const opt = new SGD([p], { lr: 0.5 });
    setGrad(p, [1, -1]);
    opt.step();
    assert.deepEqual(values(p), [0.5, 2.5]);
    assert.deepEqual(opt.stateDict().tensors.size, 0);
  });
  test('Adam, amsgrad with L2 weight decay', () =>
    againstReference(
      (p) => new Adam(p, { lr: 0.01, betas: [0.8, 0.99], weightDecay: 0.05, amsgrad: true }),
      refAdam({ lr: 0.01, b1: 0.8, b2: 0.99, eps: 1e-8, wd: 0.05, decoupled: false, amsgrad: true }),
      8,
    ));
  test('AdamW, amsgrad with decoupled weight decay', () =>
    againstReference(
      (p) => new AdamW(p, { lr: 0.02, amsgrad: true, weightDecay: 0.1 }),
      refAdam({ lr: 0.02, b1: 0.9, b2: 0.999, eps: 1e-8, wd: 0.1, decoupled: true, amsgrad: true }),
      8,
    ));
  test('amsgrad differs from Adam once v falls', () => {
    const run = (amsgrad: boolean) => {
      const p = param([1]);
      const opt = new Adam([p], { lr: 0.1, amsgrad });
      for (const g of [1, 0.01, 0.01]) (setGrad(p, [g]), opt.step());
      return values(p)[0];
    };
    assert.notEqual(run(true), run(false));
  });
  test('RMSprop with momentum', () =>
    againstReference(
      (p) => new RMSprop(p, { lr: 0.01, momentum: 0.9 }),
      refRMSprop({ lr: 0.01, alpha: 0.99, eps: 1e-8, wd: 0, momentum: 0.9, centered: false }),
    ));
  test('RMSprop centered', () =>
    againstReference(
      (p) => new RMSprop(p, { lr: 0.01, alpha: 0.9, centered: true }),
      refRMSprop({ lr: 0.01, alpha: 0.9, eps: 1e-8, wd: 0, momentum: 0, centered: true }),
      6,
      1e-4,
    ));
  test('RMSprop centered, momentum and weight decay', () =>
    againstReference(
      (p) => new RMSprop(p, { lr: 0.005, alpha: 0.9, momentum: 0.5, centered: true, weightDecay: 0.1 }),
      refRMSprop({ lr: 0.005, alpha: 0.9, eps: 1e-8, wd: 0.1, momentum: 0.5, centered: true }),
      6,
      1e-4,
    ));
});

// ---- the Optimizer base ----------------------------------------------------------------------------

describe('Optimizer', () => {
  const p = () => param([1, 2, 3]);

  test('invalid hyper-parameters throw PyTorch messages', () => {
    const cases: [() => unknown, string][] = [
      [() => new SGD([p()], { lr: -1 }), 'Invalid learning rate: -1'],
      [() => new SGD([p()]), "parameter group didn't specify a value of required optimization parameter lr"],
      [() => new SGD([p()], { lr: 0.1, momentum: -0.5 }), 'Invalid momentum value: -0.5'],
      [() => new SGD([p()], { lr: 0.1, weightDecay: -1 }), 'Invalid weight_decay value: -1'],
      [() => new SGD([p()], { lr: 0.1, nesterov: true }), 'Nesterov momentum requires a momentum and zero dampening'],
      [() => new SGD([p()], { lr: 0.1, nesterov: true, momentum: 0.9, dampening: 0.1 }), 'Nesterov momentum requires a momentum and zero dampening'],
      [() => new Adam([p()], { lr: -0.001 }), 'Invalid learning rate: -0.001'],
      [() => new Adam([p()], { eps: -1e-8 }), 'Invalid epsilon value: -1e-8'],
      [() => new Adam([p()], { betas: [1, 0.999] }), 'Invalid beta parameter at index 0: 1'],
      [() => new AdamW([p()], { betas: [0.9, -0.1] }), 'Invalid beta parameter at index 1: -0.1'],
      [() => new AdamW([p()], { weightDecay: -0.01 }), 'Invalid weight_decay value: -0.01'],
      [() => new RMSprop([p()], { alpha: -0.5 }), 'Invalid alpha value: -0.5'],
      [() => new RMSprop([p()], { momentum: -1 }), 'Invalid momentum value: -1'],
      [() => new RMSprop([p()], { eps: -1 }), 'Invalid epsilon value: -1'],
      [() => new Adam([{ params: [p()] }, { params: [p()], lr: -2 }]), 'Invalid learning rate: -2'],
      [() => new Adam([]), 'optimizer got an empty parameter list'],
      [() => new Adam([p().mul(2)]), "can't optimize a non-leaf Tensor"],
    ];
    for (const [fn, message] of cases) assert.throws(fn, { message });
    const shared = p();
    assert.throws(() => new Adam([{ params: [shared] }, { params: [shared] }]), { message: 'some parameters appear in more than one parameter group' });
    assert.throws(() => new SGD([p()], { lr: NaN }), { message: 'Invalid learning rate: NaN' });
  });

  test('groups merge the defaults; per-group lr applies', () => {
    const a = param([1]);
    const b = param([1]);
    const opt = new SGD([{ params: [a] }, { params: [b], lr: 0.5, momentum: 0.9 }], { lr: 0.1 });
    assert.equal(opt.paramGroups[0].lr, 0.1);
    assert.equal(opt.paramGroups[0].momentum, 0);
    assert.equal(opt.paramGroups[1].lr, 0.5);
    assert.equal(opt.paramGroups[1].dampening, 0);
    setGrad(a, [1]);
    setGrad(b, [1]);
    opt.step();
    assert.deepEqual([values(a)[0], values(b)[0]], [Math.fround(0.9), 0.5]);
    const adamw = new AdamW([a]);
    assert.equal(adamw.paramGroups[0].weightDecay, 0.01);
    assert.equal(new Adam([a]).paramGroups[0].weightDecay, 0);
  });

  test('zeroGrad sets grads to null, or to zeros', () => {
    const a = param([1, 2]);
    const opt = new Adam([a]);
    setGrad(a, [3, 4]);
    opt.zeroGrad(false);
    assert.deepEqual(values(a.grad!), [0, 0]);
    opt.zeroGrad();
    assert.equal(a.grad, null);
  });

  test('state is lazy, engine-owned, and skips parameters without grad', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new Adam([a, b], { amsgrad: true });
    assert.equal(opt.state.size, 0);
    setGrad(a, [1, 1]);
    assert.equal(opt.step(() => 42), 42);
    assert.equal(opt.state.size, 1);
    assert.deepEqual(values(b), [3]);
    const s = opt.state.get(a)!;
    assert.equal(s.step, 1);
    for (const k of ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq']) assert.ok((s[k] as Tensor).storage.kept, k);
  });

  test('a gradient of the wrong shape is refused', () => {
    const a = param([1, 2]);
    const opt = new SGD([a], { lr: 1 });
    a.grad = fromArray(new Float32Array(3), [3]);
    assert.throws(() => opt.step(), { message: 'SGD: parameter of shape [2] has a float32 gradient of shape [3]' });
  });
});

// ---- state dicts -----------------------------------------------------------------------------------

/** A state dict through JSON text and safetensors bytes, as a checkpoint stores it. */
function throughCheckpoint(sd: OptimizerStateDict): OptimizerStateDict {
  const safe = new Map<string, SafeTensor>();
  for (const [k, t] of sd.tensors) safe.set(k, { dtype: 'F32', shape: [...t.shape], data: t.toArray() as Float32Array });
  const bytes = serializeSafetensors(safe, { optimizer: JSON.stringify(sd.json) });
  const file = parseSafetensors(bytes);
  const tensors = new Map([...file.tensors].map(([k, t]) => [k, fromSafeTensor(t, k)]));
  return { json: JSON.parse(file.metadata.optimizer), tensors };
}

describe('state dict', () => {
  const makers: [string, (p: Tensor[]) => Optimizer<any>, (p: Tensor[]) => Optimizer<any>][] = [
    ['SGD', (p) => new SGD(p, { lr: 0.1, momentum: 0.9, nesterov: true }), (p) => new SGD(p, { lr: 7 })],
    ['Adam', (p) => new Adam(p, { lr: 0.01, amsgrad: true, weightDecay: 0.1 }), (p) => new Adam(p)],
    ['AdamW', (p) => new AdamW([{ params: [p[0]] }, { params: [p[1]], lr: 0.002 }], { lr: 0.01 }), (p) => new AdamW([{ params: [p[0]] }, { params: [p[1]] }])],
    ['RMSprop', (p) => new RMSprop(p, { momentum: 0.5, centered: true }), (p) => new RMSprop(p)],
  ];
  for (const [name, make, makeOther] of makers)
    test(`${name}: a round trip gives identical next steps`, () => {
      const rng = seeded(3);
      const init = [uniform(rng, 6), uniform(rng, 3)];
      const pa = init.map((v) => param(v));
      const a = make(pa);
      const feed = (ps: Tensor[], grads: number[][], opt: Optimizer<any>) => (ps.forEach((p, i) => setGrad(p, grads[i])), opt.step());
      for (let s = 0; s < 3; s++) feed(pa, init.map((v) => uniform(rng, v.length)), a);
      const sd = throughCheckpoint(a.stateDict());
      assert.ok(JSON.stringify(sd.json).length > 0);
      const pb = pa.map((p) => param(p.toArray()));
      const b = makeOther(pb);
      b.loadStateDict(sd);
      assert.deepEqual(b.paramGroups.map((g) => ({ ...g, params: g.params.length })), a.paramGroups.map((g) => ({ ...g, params: g.params.length })));
      for (let s = 0; s < 3; s++) {
        const grads = init.map((v) => uniform(rng, v.length));
        feed(pa, grads, a);
        feed(pb, grads, b);
        pa.forEach((p, i) => assert.deepEqual(values(pb[i]), values(p), `${name} step ${s} param ${i}`));
      }
    });

  test('names and step counts', () => {
    const p = param([1, 2]);
    const opt = new Adam([p]);
    setGrad(p, [1, 1]);
    opt.step();
    opt.step();
    const { json, tensors } = opt.stateDict();
    assert.deepEqual([...tensors.keys()], ['state.0.exp_avg', 'state.0.exp_avg_sq']);
    assert.deepEqual(json.state, { 0: { step: 2 } });
    assert.deepEqual(json.paramGroups, [{ lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [0] }]);
  });

  test('mismatches are refused', () => {
    const p = param([1, 2]);
    const opt = new Adam([p]);
    setGrad(p, [1, 1]);
    opt.step();
    const sd = opt.stateDict();
    assert.throws(() => new Adam([{ params: [param([1])] }, { params: [param([1])] }]).loadStateDict(sd), /different number of parameter groups/);
    assert.throws(() => new Adam([param([1]), param([2])]).loadStateDict(sd), /doesn't match the size of optimizer's group/);
    assert.throws(() => new Adam([param([1, 2, 3])]).loadStateDict(sd), { message: 'Adam.loadStateDict: state.0.exp_avg has shape [2] but parameter 0 has shape [3]' });
  });
});

// ---- clipping --------------------------------------------------------------------------------------

describe('clipping', () => {
  test('clipGradNorm: clips to maxNorm, returns the norm before', () => {
    const a = param([0, 0]);
    const b = param([0]);
    setGrad(a, [3, 0]);
    setGrad(b, [4]);
    const total = clipGradNorm([a, b], 1);
    assert.equal(total, 5);
    assertClose([...values(a.grad!), ...values(b.grad!)], [0.6, 0, 0.8], { rtol: 1e-6, atol: 1e-7 }, 'clipped');
  });
  test('clipGradNorm: no change below maxNorm; infinity norm; no grads', () => {
    const a = param([0, 0]);
    setGrad(a, [0.3, -0.4]);
    assert.equal(clipGradNorm(a, 1), Math.fround(0.5));
    assert.deepEqual(values(a.grad!), [Math.fround(0.3), Math.fround(-0.4)]);
    assert.equal(clipGradNorm([a], 0.2, Infinity), Math.fround(0.4));
    assertClose(values(a.grad!), [0.15, -0.2], { rtol: 1e-5, atol: 1e-7 }, 'inf-norm clipped');
    assert.equal(clipGradNorm([param([1])], 1), 0);
    setGrad(a, [NaN, 1]);
    assert.throws(() => clipGradNorm([a], 1, 2, true), /non-finite/);
  });
  test('clipGradValue clamps each element', () => {
    const a = param([0, 0, 0]);
    setGrad(a, [-2, 0.5, 3]);
    clipGradValue([a], 1);
    assert.deepEqual(values(a.grad!), [-1, 0.5, 1]);
  });
});

// ---- schedules -------------------------------------------------------------------------------------

describe('schedules', () => {
  const sgd = (...lrs: number[]) => new SGD(lrs.map((lr) => ({ params: [param([0])], lr })), {});

  test('StepLR', () => {
    const opt = sgd(1, 0.1);
    const sched = new StepLR(opt, 3, 0.5);
    const seen: number[][] = [sched.getLastLr()];
    for (let e = 1; e <= 7; e++) (sched.step(), seen.push(sched.getLastLr()));
    const want = [0, 1, 2, 3, 4, 5, 6, 7].map((e) => [1, 0.1].map((lr) => lr * 0.5 ** Math.floor(e / 3)));
    seen.forEach((lrs, e) => assertClose(lrs, want[e], { rtol: 1e-12, atol: 0 }, `epoch ${e}`));
    assert.deepEqual(opt.paramGroups.map((g) => g.lr), seen[7]);
    assert.deepEqual(opt.paramGroups.map((g) => g.initialLr), [1, 0.1]);
    assert.throws(() => new StepLR(opt, 0), { message: 'StepLR: stepSize must be a positive integer, got 0' });
  });

  test('CosineWithWarmup', () => {
    const opt = sgd(1);
    const sched = new CosineWithWarmup(opt, { warmupSteps: 10, totalSteps: 110, minLr: 0.1 });
    const at: Record<number, number> = {};
    for (let t = 0; t <= 200; t++) (t > 0 && sched.step(), (at[t] = opt.paramGroups[0].lr));
    assertClose([at[0], at[5], at[10], at[60], at[85], at[110], at[200]], [0, 0.5, 1, 0.55, 0.1 + 0.9 * 0.5 * (1 + Math.cos(0.75 * Math.PI)), 0.1, 0.1], { rtol: 1e-12, atol: 1e-15 }, 'lr');
    assert.throws(() => new CosineWithWarmup(sgd(1), { warmupSteps: 10, totalSteps: 5 }), /totalSteps must be a positive integer ≥ warmupSteps \(10\), got 5/);
  });

  test('LambdaLR, one function per group', () => {
    const opt = sgd(1, 2);
    const sched = new LambdaLR(opt, [(e) => 0.9 ** e, (e) => 1 / (e + 1)]);
    for (let e = 0; e < 4; e++) sched.step();
    assertClose(sched.getLastLr(), [0.9 ** 4, 2 / 5], { rtol: 1e-12, atol: 0 }, 'lr');
    assert.throws(() => new LambdaLR(opt, [(e) => e]), { message: 'LambdaLR: expected 2 lrLambdas (one per parameter group), but got 1' });
  });

  test('schedules drive the optimizer', () => {
    const p = param([1]);
    const opt = new SGD([p], { lr: 1 });
    const sched = new CosineWithWarmup(opt, { warmupSteps: 2, totalSteps: 4 });
    const lrs: number[] = [];
    for (let t = 0; t < 3; t++) (setGrad(p, [1]), opt.step(), lrs.push(sched.getLastLr()[0]), sched.step());
    assert.deepEqual(lrs, [0, 0.5, 1]);
    assert.deepEqual(values(p), [1 - 0 - 0.5 - 1]);
  });

  test('state dict round trip (optimizer and schedule)', () => {
    const optA = sgd(1);
    const a = new StepLR(optA, 2, 0.3);
    for (let e = 0; e < 5; e++) a.step();
    const saved = JSON.parse(JSON.stringify({ opt: optA.stateDict().json, sched: a.stateDict() }));
    assert.deepEqual(saved.sched, { lastEpoch: 5, baseLrs: [1], lastLr: a.getLastLr(), stepSize: 2, gamma: 0.3 });
    const optB = sgd(1);
    const b = new StepLR(optB, 9, 0.9);
    optB.loadStateDict({ json: saved.opt, tensors: new Map() });
    b.loadStateDict(saved.sched);
    assert.deepEqual(b.getLastLr(), a.getLastLr());
    for (let e = 0; e < 4; e++) (a.step(), b.step(), assert.deepEqual(b.getLastLr(), a.getLastLr()));
  });
});
