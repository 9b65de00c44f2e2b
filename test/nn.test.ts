import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { fromArray, randn, tensor, zeros } from '../src/core/creation.js';
import { manualSeed } from '../src/core/random.js';
import { Tensor } from '../src/core/tensor.js';
import {
  BCEWithLogitsLoss, CrossEntropyLoss, Dropout, Embedding, F, GELU, init, LayerNorm, Linear, LogSoftmax, Module,
  ModuleDict, ModuleList, MSELoss, NLLLoss, Parameter, ReLU, Sequential, Sigmoid, Softmax, Tanh,
} from '../src/nn/index.js';
import { parityCase } from './helpers/cases.js';
import { assertClose } from './helpers/close.js';
import { assertGradcheck } from './helpers/gradcheck.js';

// ---- helpers -----------------------------------------------------------------------------------

/** The elements as a plain number array. */
const values = (t: Tensor): number[] => Array.from(t.toArray());

/** L = sum_o sum(output_o * cotangent_o), the fixtures' scalar loss. */
const weighted = (out: Tensor, cot: Tensor): Tensor => (cot.ndim === 0 ? out.mul(cot) : out.mul(cot).sum());

/**
 * Central differences of a scalar loss at eps = 1e-2 (the float32 rounding of L(x +- eps) is ~1e-7 |L| / eps),
 * atol 2e-3, rtol 2e-2.
 */
const FD = { eps: 1e-2, atol: 2e-3, rtol: 2e-2 };

// ---- Module: registration, state dict, modes ---------------------------------------------------------

class Block extends Module {
  readonly scale: Tensor;
  readonly fc: Linear;
  readonly norm: LayerNorm;
  constructor() {
    super();
    this.scale = this.registerParameter('scale', Parameter(zeros([3])));
    this.registerBuffer('running', zeros([3]));
    this.registerBuffer('cache', zeros([2]), false);
    this.fc = this.registerModule('fc', new Linear(3, 3));
    this.norm = this.registerModule('norm', new LayerNorm(3));
  }
}

describe('Module', () => {
  test('state-dict keys of nested containers follow PyTorch order', () => {
    const m = new Sequential(new Linear(4, 3), new LayerNorm(3), new ReLU(), new Sequential(new Linear(3, 2, { bias: false }), new Tanh()));
    assert.deepEqual([...m.stateDict().keys()], ['0.weight', '0.bias', '1.weight', '1.bias', '3.0.weight']);
    assert.deepEqual(m.namedParameters().map(([k]) => k), ['0.weight', '0.bias', '1.weight', '1.bias', '3.0.weight']);
    assert.equal(m.numParameters(), 12 + 3 + 3 + 3 + 6);
    assert.deepEqual(m.namedModules().map(([k]) => k), ['', '0', '1', '2', '3', '3.0', '3.1']);
    assert.deepEqual(m.namedParameters('model').map(([k]) => k)[0], 'model.0.weight');
    assert.equal(m.forward(randn([5, 4])).shape.join(), '5,2');
    assert.match(m.toString(), /^Sequential\(\n {2}\(0\): Linear\(in_features=4, out_features=3, bias=true\)\n/);
  });

  test("own parameters, then persistent buffers, then children; non-persistent buffers left out", () => {
    const b = new Block();
    assert.deepEqual([...b.stateDict().keys()], ['scale', 'running', 'fc.weight', 'fc.bias', 'norm.weight', 'norm.bias']);
    assert.deepEqual(b.namedBuffers().map(([k]) => k), ['running', 'cache']);
    const list = new ModuleList([new Block(), new Block()]);
    assert.equal(list.length, 2);
    assert.equal(list.at(-1), [...list][1]);
    assert.equal([...list.stateDict().keys()][6], '1.scale');
    const dict = new ModuleDict({ enc: new Linear(2, 2), dec: new Linear(2, 1) });
    assert.deepEqual([...dict.stateDict().keys()], ['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    assert.throws(() => b.registerBuffer('scale', zeros([1])), /already registered as a parameter/);
    assert.throws(() => b.registerParameter('plain', zeros([1])), /Parameter\(t\)/);
  });

  test('parameters are float32 leaves requiring grad with engine-owned storage; tied ones count once', () => {
    const a = new Linear(2, 2);
    for (const p of a.parameters()) assert.ok(p.requiresGrad && p.isLeaf && p.storage.kept && p.dtype === 'float32');
    const tied = new Sequential(a, a);
    assert.equal(tied.parameters().length, 2);
    assert.deepEqual([...tied.stateDict().keys()], ['0.weight', '0.bias', '1.weight', '1.bias']);
  });

  test('train/eval propagate to every descendant; zeroGrad drops gradients', () => {
    const m = new Sequential(new Linear(2, 2), new Sequential(new Dropout(0.5), new Linear(2, 1)));
    assert.ok(m.modules().every((x) => x.training));
    assert.equal(m.eval(), m);
    assert.ok(m.modules().every((x) => !x.training));
    m.train();
    assert.ok(m.modules().every((x) => x.training));
    m.forward(randn([3, 2])).sum().backward();
    assert.ok(m.parameters().every((p) => p.grad !== null));
    m.zeroGrad();
    assert.ok(m.parameters().every((p) => p.grad === null));
  });

  test('loadStateDict copies in place and keeps tensor identity', () => {
    const src = new Sequential(new Linear(4, 3), new LayerNorm(3));
    const dst = new Sequential(new Linear(4, 3), new LayerNorm(3));
    const w = dst.at(0).parameters()[0];
    const res = dst.loadStateDict(src.stateDict());
    assert.deepEqual(res, { missingKeys: [], unexpectedKeys: [] });
    assert.equal(dst.at(0).parameters()[0], w);
    assert.deepEqual(w.toArray(), src.at(0).parameters()[0].toArray());
    const obj = Object.fromEntries(src.stateDict());
    dst.loadStateDict(obj); // a plain object works too
    dst.loadStateDict(dst.stateDict()); // and its own state
    assert.deepEqual(w.toArray(), src.at(0).parameters()[0].toArray());
  });

  test('strict loadStateDict names missing, unexpected and mis-shaped keys in one error and copies nothing', () => {
    const m = new Sequential(new Linear(4, 3));
    const before = m.stateDict().get('0.bias')!.toArray();
    const state = new Map([['0.weight', zeros([4, 3])], ['0.extra', zeros([1])]]);
    assert.throws(
      () => m.loadStateDict(state),
      (e: Error) => {
        assert.match(e.message, /Error\(s\) in loading state_dict for Sequential/);
        assert.match(e.message, /Missing key\(s\) in state_dict: "0\.bias"/);
        assert.match(e.message, /Unexpected key\(s\) in state_dict: "0\.extra"/);
        assert.ok(e.message.includes('size mismatch for 0.weight: copying a param with shape [4, 3], the shape in current model is [3, 4]'), e.message);
        return true;
      },
    );
    assert.deepEqual(m.stateDict().get('0.bias')!.toArray(), before);
  });

  test('non-strict loadStateDict returns missing and unexpected keys; a size mismatch still throws', () => {
    const m = new Linear(2, 3);
    const res = m.loadStateDict({ weight: tensor([[1, 2], [3, 4], [5, 6]]), junk: zeros([2]) }, { strict: false });
    assert.deepEqual(res, { missingKeys: ['bias'], unexpectedKeys: ['junk'] });
    assert.deepEqual([...m.weight.toArray()], [1, 2, 3, 4, 5, 6]);
    assert.throws(() => m.loadStateDict({ weight: zeros([3, 3]) }, { strict: false }), /size mismatch for weight: copying a param with shape \[3, 3\], the shape in current model is \[3, 2\]/);
  });
});

// ---- init ----------------------------------------------------------------------------------------

describe('init', () => {
  test('fans, Linear and Embedding default distributions', () => {
    assert.deepEqual(init.calculateFanInAndFanOut(zeros([8, 3, 5])), { fanIn: 15, fanOut: 40 });
    assert.throws(() => init.calculateFanInAndFanOut(zeros([4])), /fewer than 2 dimensions, got \[4\]/);
    manualSeed(1);
    const lin = new Linear(64, 200);
    const bound = 1 / 8;
    for (const p of lin.parameters()) {
      const v = p.toArray();
      assert.ok(v.every((x) => Math.abs(x) <= bound));
      assert.ok(Math.max(...v) > 0.9 * bound && Math.min(...v) < -0.9 * bound);
    }
    const w = values(lin.weight);
    assertClose(w.reduce((a, x) => a + x * x, 0) / w.length, (bound * bound) / 3, { rtol: 0, atol: 1e-4 }, 'U(-b, b) variance');
    const emb = new Embedding(500, 40, { paddingIdx: 3 });
    const e = values(emb.weight);
    assert.ok(e.slice(120, 160).every((x) => x === 0));
    assertClose(e.reduce((a, x) => a + x * x, 0) / (e.length - 40), 1, { rtol: 0, atol: 0.03 }, 'N(0,1) variance');
    const ln = new LayerNorm([2, 3]);
    assert.deepEqual([...ln.weight!.toArray()], [1, 1, 1, 1, 1, 1]);
    assert.deepEqual([...ln.bias!.toArray()], [0, 0, 0, 0, 0, 0]);
  });

  test('xavier and kaiming bounds', () => {
    const t = init.xavierUniform_(zeros([30, 50]), 2);
    const a = 2 * Math.sqrt(6 / 80);
    assert.ok(t.toArray().every((x) => Math.abs(x) <= a));
    const k = init.kaimingUniform_(zeros([30, 50]), 0, { nonlinearity: 'relu' });
    assert.ok(k.toArray().every((x) => Math.abs(x) <= Math.sqrt(6 / 50)));
    const n = values(init.xavierNormal_(zeros([200, 300])));
    assertClose(n.reduce((s, x) => s + x * x, 0) / n.length, 2 / 500, { rtol: 0, atol: 2e-4 }, 'xavier normal variance');
    const view = zeros([4, 6]).T; // a strided view is filled in place too
    init.ones_(view);
    assert.ok(view.toArray().every((x) => x === 1));
  });
});

// ---- layers against PyTorch ----------------------------------------------------------------------

function moduleParity(name: string, build: (args: Record<string, unknown>) => Module & { forward(x: Tensor): Tensor }): void {
  test(`${name} matches PyTorch (output and gradients)`, () => {
    const c = parityCase(name);
    const m = build(c.spec.args!);
    const params = new Map(c.keys('param/').map((k) => [k, c.tensor(`param/${k}`)]));
    m.loadStateDict(params);
    const x = c.tensor('input/input');
    if (x.dtype === 'float32') x.requiresGrad_();
    const out = m.forward(x);
    assertClose(out, c.tensor('output/output'), c.spec, 'output');
    weighted(out, c.tensor('cotangent/output')).backward();
    for (const [k, p] of m.namedParameters()) assertClose(p.grad, c.tensor(`grad/param/${k}`), c.spec, `grad ${k}`);
    if (c.has('grad/input/input')) assertClose(x.grad, c.tensor('grad/input/input'), c.spec, 'grad input');
  });
}

describe('layers', () => {
  moduleParity('layers/linear', (a) => new Linear(a.in_features as number, a.out_features as number, { bias: a.bias as boolean }));
  moduleParity('layers/linear_nobias', (a) => new Linear(a.in_features as number, a.out_features as number, { bias: a.bias as boolean }));
  moduleParity('layers/layernorm', (a) => new LayerNorm(a.normalized_shape as number[], { eps: a.eps as number }));
  moduleParity('layers/embedding', (a) => new Embedding(a.num_embeddings as number, a.embedding_dim as number, { paddingIdx: a.padding_idx as number }));

  test('Linear shape errors name both sizes; 1-D and N-D inputs work', () => {
    const lin = new Linear(64, 8);
    assert.throws(() => lin.forward(zeros([2, 32])), { message: 'Linear(in=64): input has last dimension 32, shape [2, 32]' });
    assert.deepEqual([...lin.forward(zeros([64])).shape], [8]);
    assert.deepEqual([...lin.forward(zeros([2, 3, 4, 64])).shape], [2, 3, 4, 8]);
    assert.deepEqual([...F.linear(zeros([5, 64]), lin.weight).shape], [5, 8]);
  });

  test('LayerNorm: finite-difference gradients for input, weight and bias; shape errors', () => {
    manualSeed(3);
    const x = randn([3, 2, 5], { requiresGrad: true });
    const w = randn([2, 5], { requiresGrad: true });
    const b = randn([2, 5], { requiresGrad: true });
    const cot = randn([3, 2, 5]);
    assertGradcheck((x, w, b) => F.layerNorm(x, [2, 5], w, b).mul(cot).sum(), [x, w, b], FD);
    assertGradcheck((x) => F.layerNorm(x, 5).mul(cot).sum(), [x], FD);
    assert.throws(() => new LayerNorm(8).forward(zeros([2, 4, 7])), /normalized_shape=\[8\], expected input with shape \[\*, 8\], but got input of shape \[2, 4, 7\]/);
    const noAffine = new LayerNorm(4, { elementwiseAffine: false });
    assert.equal(noAffine.parameters().length, 0);
    assert.equal(new LayerNorm(4, { bias: false }).parameters().length, 1);
    const y = noAffine.forward(tensor([[1, 2, 3, 4]])).toArray();
    const rstd = 1 / Math.sqrt(1.25 + 1e-5); // biased variance of 1..4 is 1.25
    y.forEach((v, i) => assertClose(v, (i + 1 - 2.5) * rstd, { rtol: 0, atol: 1e-6 }));
  });

  test('Embedding: the padding row gets no gradient; negative paddingIdx; range and dtype errors', () => {
    const emb = new Embedding(5, 3, { paddingIdx: -1 });
    assert.equal(emb.paddingIdx, 4);
    assert.deepEqual([...emb.weight.toArray().slice(12)], [0, 0, 0]);
    const ids = fromArray([4, 1, 4, 1, 2, 0], [2, 3], { dtype: 'int32' });
    const out = emb.forward(ids);
    assert.deepEqual([...out.shape], [2, 3, 3]);
    out.sum().backward();
    const g = emb.weight.grad!.toArray();
    assert.deepEqual([...g], [1, 1, 1, 2, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    assert.throws(() => emb.forward(fromArray([0, 5], [2], { dtype: 'int32' })), /Embedding\(num_embeddings=5\): index 5 at position 1 .* out of range \[0, 5\)/);
    assert.throws(() => emb.forward(fromArray([-1], [1], { dtype: 'int32' })), /index -1/);
    assert.throws(() => emb.forward(tensor([1, 2])), /indices must be int32, got float32/);
    assert.throws(() => new Embedding(5, 3, { paddingIdx: 5 }), /paddingIdx must be within \[-5, 5\)/);
  });

  test('Dropout: inverted scaling, keep rate, gradient through the mask, identity in eval', () => {
    manualSeed(7);
    const n = 100_000;
    const x = Tensor.empty([n]).fill_(1).requiresGrad_();
    const drop = new Dropout(0.25);
    const y = drop.forward(x);
    const v = y.toArray();
    const scale = Math.fround(1 / 0.75);
    let zerosSeen = 0;
    for (const e of v) {
      if (e === 0) zerosSeen++;
      else assert.equal(e, scale);
    }
    assertClose(zerosSeen / n, 0.25, { rtol: 0, atol: 0.01 }, 'drop rate');
    assertClose(values(y).reduce((a, e) => a + e, 0) / n, 1, { rtol: 0, atol: 0.01 }, 'mean preserved');
    y.sum().backward();
    assert.deepEqual(x.grad!.toArray(), v);
    drop.eval();
    assert.equal(drop.forward(x), x);
    assert.equal(F.dropout(x, 0.5, false), x);
    assert.ok(F.dropout(x, 1).toArray().every((e) => e === 0));
    assert.throws(() => new Dropout(1.5), /between 0 and 1, but got 1.5/);
  });

  test('activation modules match the functional forms', () => {
    const x = randn([2, 5]);
    const same = (a: Tensor, b: Tensor) => assert.deepEqual(a.toArray(), b.toArray());
    same(new ReLU().forward(x), F.relu(x));
    same(new GELU({ approximate: 'tanh' }).forward(x), F.gelu(x, { approximate: 'tanh' }));
    same(new Sigmoid().forward(x), F.sigmoid(x));
    same(new Tanh().forward(x), F.tanh(x));
    same(new Softmax({ dim: 0 }).forward(x), F.softmax(x, 0));
    same(new LogSoftmax().forward(x), F.logSoftmax(x, -1));
  });
});

// ---- functional against PyTorch ------------------------------------------------------------------

type Fn = (inputs: Tensor[], kw: Record<string, unknown>) => Tensor;
const FUNCTIONAL: Record<string, Fn> = {
  relu: ([x]) => F.relu(x),
  gelu: ([x], kw) => F.gelu(x, { approximate: kw.approximate as 'none' | 'tanh' }),
  gelu_tanh: ([x], kw) => F.gelu(x, { approximate: kw.approximate as 'none' | 'tanh' }),
  sigmoid: ([x]) => F.sigmoid(x),
  tanh: ([x]) => F.tanh(x),
  softmax: ([x], kw) => F.softmax(x, kw.dim as number),
  log_softmax: ([x], kw) => F.logSoftmax(x, kw.dim as number),
  cross_entropy: ([x, t], kw) =>
    F.crossEntropy(x, t, { reduction: kw.reduction as F.Reduction, ignoreIndex: kw.ignore_index as number, labelSmoothing: kw.label_smoothing as number }),
  cross_entropy_seq: ([x, t], kw) => F.crossEntropy(x, t, { reduction: kw.reduction as F.Reduction }),
  mse_loss: ([x, t], kw) => F.mseLoss(x, t, { reduction: kw.reduction as F.Reduction }),
  bce_with_logits: ([x, t], kw) => F.binaryCrossEntropyWithLogits(x, t, { reduction: kw.reduction as F.Reduction }),
};

describe('functional parity', () => {
  for (const [name, fn] of Object.entries(FUNCTIONAL))
    test(`functional/${name} matches PyTorch (output and gradients)`, () => {
      const c = parityCase(`functional/${name}`);
      const names = c.spec.inputs!;
      const inputs = names.map((k) => c.tensor(`input/${k}`));
      const withGrads = new Set(c.keys('grad/input/'));
      names.forEach((k, i) => withGrads.has(k) && inputs[i].requiresGrad_());
      const out = fn(inputs, c.spec.kwargs ?? {});
      assertClose(out, c.tensor('output/output'), c.spec, 'output');
      weighted(out, c.tensor('cotangent/output')).backward();
      names.forEach((k, i) => withGrads.has(k) && assertClose(inputs[i].grad, c.tensor(`grad/input/${k}`), c.spec, `grad ${k}`));
    });
});

// ---- losses beyond the fixtures ------------------------------------------------------------------

/** log-softmax of a row, in float64. */
const logSoftmaxRow = (r: number[]) => {
  const m = Math.max(...r);
  const lse = m + Math.log(r.reduce((a, v) => a + Math.exp(v - m), 0));
  return r.map((v) => v - lse);
};

describe('losses', () => {
  const logits = [[1.0, -0.5, 2.0, 0.3], [0.2, 0.1, -1.0, 1.5], [-2.0, 0.7, 0.0, 0.4]];
  const targets = [2, -100, 0];
  const cw = [0.5, 1.0, 2.0, 1.5];

  test('label smoothing of uniform logits gives log C whatever the smoothing', () => {
    const x = zeros([3, 4]);
    const t = fromArray([0, 1, 3], [3], { dtype: 'int32' });
    for (const eps of [0, 0.1, 0.5, 1]) assertClose(F.crossEntropy(x, t, { labelSmoothing: eps }).item(), Math.log(4), { rtol: 0, atol: 1e-6 }, `eps ${eps}`);
  });

  test('label smoothing with ignoreIndex and class weights, every reduction, against a hand derivation', () => {
    const eps = 0.2;
    const C = 4;
    const x = tensor(logits);
    const t = fromArray(targets, [3], { dtype: 'int32' });
    for (const weighted of [false, true]) {
      const w = (c: number) => (weighted ? cw[c] : 1);
      // per row: (1 - eps) * (-w_t logp_t) + eps / C * sum_c(-w_c logp_c); ignored rows are 0
      const rows = logits.map((r, i) => {
        if (targets[i] === -100) return 0;
        const lp = logSoftmaxRow(r);
        const smooth = lp.reduce((a, v, c) => a - w(c) * v, 0);
        return (1 - eps) * -w(targets[i]) * lp[targets[i]] + (eps / C) * smooth;
      });
      const denom = targets.filter((c) => c !== -100).reduce((a, c) => a + w(c), 0);
      const opts = { labelSmoothing: eps, weight: weighted ? tensor(cw) : null };
      const none = F.crossEntropy(x, t, { ...opts, reduction: 'none' }).toArray();
      rows.forEach((v, i) => assertClose(none[i], v, { rtol: 0, atol: 1e-5 }, `row ${i}`));
      assertClose(F.crossEntropy(x, t, { ...opts, reduction: 'sum' }).item(), rows[0] + rows[2], { rtol: 0, atol: 1e-5 }, 'sum');
      assertClose(F.crossEntropy(x, t, opts).item(), (rows[0] + rows[2]) / denom, { rtol: 0, atol: 1e-5 }, 'mean');
      assertClose(new CrossEntropyLoss(opts).forward(x, t).item(), (rows[0] + rows[2]) / denom, { rtol: 0, atol: 1e-5 }, 'module');
    }
  });

  test('crossEntropy: finite-difference gradients (smoothing, ignore, weights, (N, C, d) layout)', () => {
    manualSeed(11);
    const t = fromArray(targets, [3], { dtype: 'int32' });
    assertGradcheck((x) => F.crossEntropy(x, t, { labelSmoothing: 0.1, weight: tensor(cw) }), [tensor(logits).requiresGrad_()], FD);
    const tSeq = fromArray([0, 2, 1, -100, 1, 1], [2, 3], { dtype: 'int32' });
    assertGradcheck((x) => F.crossEntropy(x, tSeq, { labelSmoothing: 0.3 }), [randn([2, 4, 3], { requiresGrad: true })], FD);
    assertGradcheck((x) => F.crossEntropy(x, tSeq, { reduction: 'none' }).mul(tensor([[1, 2, 3], [4, 5, 6]])).sum(), [randn([2, 4, 3], { requiresGrad: true })], FD);
  });

  test('crossEntropy with probability targets matches the index form for one-hot targets', () => {
    const x = tensor(logits);
    const t = fromArray([2, 1, 0], [3], { dtype: 'int32' });
    const onehot = tensor([[0, 0, 1, 0], [0, 1, 0, 0], [1, 0, 0, 0]]);
    for (const labelSmoothing of [0, 0.25])
      assertClose(F.crossEntropy(x, onehot, { labelSmoothing }).item(), F.crossEntropy(x, t, { labelSmoothing }).item(), { rtol: 0, atol: 1e-6 });
    assertGradcheck((x, p) => F.crossEntropy(x, p.softmax(-1)), [tensor(logits).requiresGrad_(), randn([3, 4], { requiresGrad: true })], FD);
  });

  test('all targets ignored gives NaN for mean (as PyTorch) and no gradient', () => {
    const x = tensor(logits).requiresGrad_();
    const loss = F.crossEntropy(x, fromArray([-100, -100, -100], [3], { dtype: 'int32' }));
    assert.ok(Number.isNaN(loss.item()));
    F.crossEntropy(x, fromArray([-100, -100, -100], [3], { dtype: 'int32' }), { reduction: 'sum' }).backward();
    assert.ok(x.grad!.toArray().every((v) => v === 0));
  });

  test('shape, dtype and range errors name what was expected', () => {
    const x = zeros([2, 5, 4]);
    assert.throws(() => F.crossEntropy(x, fromArray([0, 1], [2], { dtype: 'int32' })), /input of shape \[2, 5, 4\] expects target of shape \[2, 4\], got \[2\]/);
    assert.throws(() => F.crossEntropy(zeros([2, 3]), fromArray([0, 3], [2], { dtype: 'int32' })), /target 3 at position 1 is out of bounds for 3 classes/);
    assert.throws(() => F.mseLoss(zeros([4, 1]), zeros([4])), /target size \[4\] must be the same as input size \[4, 1\]/);
    assert.throws(() => F.binaryCrossEntropyWithLogits(zeros([5, 2]), zeros([5])), /target size \[5\] must be the same as input size \[5, 2\]/);
    assert.throws(() => F.crossEntropy(zeros([2, 3]), fromArray([0, 1], [2], { dtype: 'int32' }), { labelSmoothing: 1.5 }), /between 0.0 and 1.0/);
  });

  test('nllLoss and NLLLoss on log-probabilities; unbatched input', () => {
    const lp = tensor(logits).logSoftmax(1);
    const t = fromArray([2, 1, 0], [3], { dtype: 'int32' });
    const expected = -(lp.toArray()[2] + lp.toArray()[5] + lp.toArray()[8]) / 3;
    assertClose(F.nllLoss(lp, t).item(), expected, { rtol: 0, atol: 1e-6 });
    assertClose(new NLLLoss().forward(lp, t).item(), expected, { rtol: 0, atol: 1e-6 });
    const one = F.crossEntropy(tensor(logits[0]), fromArray([2], [], { dtype: 'int32' }), { reduction: 'none' });
    assert.deepEqual([...one.shape], []);
    assertClose(one.item(), -logSoftmaxRow(logits[0])[2], { rtol: 0, atol: 1e-6 });
  });

  test('BCE with logits: posWeight and weight, stable for large logits, gradients to input and target', () => {
    const x = tensor([[80, -80], [0.5, -1.5]]);
    const y = tensor([[1, 0], [0.3, 1]]);
    const pw = tensor([2, 0.5]);
    const l = F.binaryCrossEntropyWithLogits(x, y, { reduction: 'none', posWeight: pw }).toArray();
    const ref = (xv: number, yv: number, p: number) => -(p * yv * Math.log(1 / (1 + Math.exp(-xv))) + (1 - yv) * Math.log(1 - 1 / (1 + Math.exp(-xv))));
    assertClose(l[0], 0, { rtol: 0, atol: 1e-6 });
    assertClose(l[1], 0, { rtol: 0, atol: 1e-6 });
    assertClose(l[2], ref(0.5, 0.3, 2), { rtol: 0, atol: 1e-5 });
    assertClose(l[3], ref(-1.5, 1, 0.5), { rtol: 0, atol: 1e-5 });
    assertGradcheck((x, y) => F.binaryCrossEntropyWithLogits(x, y, { posWeight: pw, weight: tensor([1, 3]) }), [tensor([[0.3, -2], [1.2, 0.1]]).requiresGrad_(), tensor([[0.2, 0.9], [0.5, 0.0]]).requiresGrad_()], FD);
    assertGradcheck((x, y) => new BCEWithLogitsLoss({ reduction: 'sum' }).forward(x, y), [tensor([[0.3, -2], [1.2, 0.1]]).requiresGrad_(), tensor([[0.2, 0.9], [0.5, 0.0]]).requiresGrad_()], FD);
    assertGradcheck((x, y) => new MSELoss().forward(x, y), [randn([3, 2], { requiresGrad: true }), randn([3, 2], { requiresGrad: true })], FD);
  });
});
