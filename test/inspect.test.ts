/**
 * The playground's inspectors (src/inspect/): the values each view draws, checked against the library
 * functions they stand on (gradientFlow, sinusoidalTable, samplingDistribution and generate, the GPT's
 * own attention weights, causal linear attention) and against a hand computation of the LSTM and GRU
 * equations with PyTorch's gate order.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad } from '../src/core/autograd.js';
import { arange, fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { CharVocab } from '../src/data/vocab.js';
import { inspectors, type AttentionData, type GatesData, type GradientFlowData, type PositionalEncodingData, type SamplingData, type InspectContext } from '../src/inspect/index.js';
import { freshRecurrent, oneHot } from '../src/inspect/gradient-flow.js';
import { linearWeights } from '../src/inspect/attention.js';
import type { CharRNN } from '../src/models/char-rnn.js';
import type { GPT } from '../src/models/gpt.js';
import { generate } from '../src/models/sampling.js';
import { causalLinearAttention, LinearAttention } from '../src/nn/attention/linear-attention.js';
import { sinusoidalTable } from '../src/nn/attention/positional-encoding.js';
import { gradientFlow } from '../src/nn/recurrent/gradient-flow.js';
import { randomModel, TINY, VOCAB } from './helpers/char-lms.js';
import { assertClose } from './helpers/close.js';

const TEXT = 'abc\ndefg hij\nhead jig bad cafe\nfig jade hide\n'.replace(/ /g, 'a').repeat(3);
const vocab = new CharVocab(VOCAB.join(''));

/** A tiny model of `name`, random weights from `seed`, left in training mode as the worker has it. */
function context(name: string, seed = 1, config = TINY[name]): InspectContext {
  const model = randomModel(name, seed, config);
  model.module.train();
  return { model, modelName: name, vocab, text: TEXT };
}

const run = async <T>(ctx: InspectContext, name: string, params: Record<string, unknown> = {}) => (await inspectors[name](ctx, params)) as T;
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('gradient-flow', () => {
  test("its norms are gradientFlow's for the live LSTM and for fresh RNN and GRU nets on the same window; clipping scales them", async () => {
    const ctx = context('lstm');
    const net = ctx.model.module as CharRNN;
    const d = await run<GradientFlowData>(ctx, 'gradient-flow', { start: 4, length: 20, hidden: 8, clip: 0.5, seed: 3 });
    assert.equal(d.text, Array.from(TEXT).slice(4, 24).join(''));
    assert.equal(d.T, 20);
    assert.deepEqual(d.nets.map((n) => [n.cell, n.source, n.input]), [['rnn', 'fresh', 'one-hot'], ['lstm', 'live', 'embedding'], ['gru', 'fresh', 'one-hot']]);
    const ids = vocab.encode(d.text);
    net.eval();
    const liveInput = noGrad(() => net.embedding.forward(fromArray(ids, [20], { dtype: 'int32' })));
    assert.deepEqual(d.nets[1].norms, gradientFlow(net.rnn, liveInput));
    assert.deepEqual(d.nets[0].norms, gradientFlow(freshRecurrent('rnn', vocab.size, 8, 3), oneHot(ids, vocab.size)));
    assert.deepEqual(d.nets[2].norms, gradientFlow(freshRecurrent('gru', vocab.size, 8, 5), oneHot(ids, vocab.size)));
    for (const n of d.nets) {
      assert.equal(n.norms.length, 20);
      assert.ok(n.norms.every((x) => Number.isFinite(x) && x >= 0));
      assert.ok(n.clipScale > 0 && n.clipScale <= 1);
      assert.equal(n.clipScale, n.paramGradNorm > 0.5 ? 0.5 / n.paramGradNorm : 1);
      assertClose(n.clipped, n.norms.map((x) => x * n.clipScale), 1e-12);
    }
    assert.ok(ctx.model.module.parameters().every((p) => p.grad === null), 'the live parameters keep their (absent) gradients');
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(d))), JSON.stringify(d), 'plain JSON');
  });
});

/** The gates of one step by the LSTM (i, f, g, o) or GRU (r, z, n) equations, in float64 from the weights. */
function handStep(cell: 'lstm' | 'gru', x: ArrayLike<number>, h: number[], c: number[], w: { wih: Float32Array; whh: Float32Array; bih: Float32Array; bhh: Float32Array }, H: number) {
  const I = x.length;
  const pre = (W: Float32Array, b: Float32Array, v: ArrayLike<number>, n: number, row: number) => {
    let s = b[row];
    for (let j = 0; j < n; j++) s += W[row * n + j] * v[j];
    return s;
  };
  const gx = (g: number, u: number) => pre(w.wih, w.bih, x, I, g * H + u);
  const gh = (g: number, u: number) => pre(w.whh, w.bhh, h, H, g * H + u);
  const units = Array.from({ length: H }, (_, u) => u);
  if (cell === 'lstm') {
    const i = units.map((u) => sigmoid(gx(0, u) + gh(0, u)));
    const f = units.map((u) => sigmoid(gx(1, u) + gh(1, u)));
    const g = units.map((u) => Math.tanh(gx(2, u) + gh(2, u)));
    const o = units.map((u) => sigmoid(gx(3, u) + gh(3, u)));
    const cn = units.map((u) => f[u] * c[u] + i[u] * g[u]);
    return { input: i, forget: f, candidate: g, output: o, cell: cn, hidden: units.map((u) => o[u] * Math.tanh(cn[u])) };
  }
  const r = units.map((u) => sigmoid(gx(0, u) + gh(0, u)));
  const z = units.map((u) => sigmoid(gx(1, u) + gh(1, u)));
  const n = units.map((u) => Math.tanh(gx(2, u) + r[u] * gh(2, u)));
  return { reset: r, update: z, candidate: n, hidden: units.map((u) => (1 - z[u]) * n[u] + z[u] * h[u]) };
}

describe('gates', () => {
  for (const cell of ['lstm', 'gru'] as const) {
    test(`${cell}: the first two steps of layer 0 match the PyTorch equations computed by hand; the top layer's h is the layer's own output`, async () => {
      const ctx = context(cell, 2);
      const net = ctx.model.module as CharRNN;
      const H = TINY[cell].hidden as number;
      const d = await run<GatesData>(ctx, 'gates', { start: 2, length: 10, layer: 0, unit: 3 });
      assert.deepEqual([d.cell, d.source, d.layer, d.layers, d.units, d.unit, d.chars.length], [cell, 'live', 0, 2, H, 3, 10]);
      assert.deepEqual(d.maps.map((m) => m.name), cell === 'lstm' ? ['input', 'forget', 'candidate', 'output', 'cell', 'hidden'] : ['reset', 'update', 'candidate', 'hidden']);
      const sd = net.stateDict();
      const w = Object.fromEntries((['wih', 'whh', 'bih', 'bhh'] as const).map((k, i) => [k, sd.get(`rnn.${['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'][i]}_l0`)!.toArray() as Float32Array])) as never;
      const emb = sd.get('embedding.weight')!.toArray();
      const C = TINY[cell].embed as number;
      const ids = vocab.encode(d.chars.join(''));
      let h = new Array<number>(H).fill(0);
      let c = new Array<number>(H).fill(0);
      for (let t = 0; t < 2; t++) {
        const want = handStep(cell, emb.subarray(ids[t] * C, (ids[t] + 1) * C), h, c, w, H) as unknown as Record<string, number[]>;
        for (const m of d.maps) assertClose(m.values[t], want[m.name], 1e-5, `${m.name} at t=${t}`);
        h = want.hidden;
        if (cell === 'lstm') c = want.cell;
      }
      assertClose(d.activation, d.maps.find((m) => m.name === 'hidden')!.values.map((r) => r[3]), 0, 'the text is coloured by unit 3 of h');
      const top = await run<GatesData>(ctx, 'gates', { start: 2, length: 10 });
      assert.equal(top.layer, 1, 'the top layer by default');
      assert.ok(net.training, 'the mode is put back');
      net.eval();
      const [y] = noGrad(() => net.rnn.forward(net.embedding.forward(fromArray(ids, [1, 10], { dtype: 'int32' })) as never)) as [import('../src/core/tensor.js').Tensor, unknown];
      assertClose(top.maps.find((m) => m.name === 'hidden')!.values.flat(), y.toArray(), 1e-5, 'h of the top layer');
      for (const m of d.maps) {
        const [lo, hi] = m.range;
        assert.ok(m.values.flat().every((v) => v >= lo - 1e-6 && v <= hi + 1e-6), `${m.name} within [${lo}, ${hi}]`);
      }
    });
  }

  test('a model without gates is shown through a fresh LSTM, and the data says so', async () => {
    const d = await run<GatesData>(context('gpt'), 'gates', { length: 8, hidden: 5, maxUnits: 4 });
    assert.deepEqual([d.cell, d.source, d.hidden, d.units, d.maps[0].values.length, d.maps[0].values[0].length], ['lstm', 'fresh', 5, 4, 8, 4]);
  });
});

function checkWeights(panel: AttentionData['panels'][number], T: number): void {
  for (const layer of panel.layers)
    for (const head of layer) {
      assert.equal(head.length, T);
      head.forEach((row, t) => {
        assertClose(sum(row), 1, 1e-5, `${panel.kind} row ${t} sums to 1`);
        assert.ok(row.slice(t + 1).every((v) => v === 0), `${panel.kind} row ${t}: masked entries are 0`);
        assert.ok(row.slice(0, t + 1).every((v) => v >= 0));
      });
    }
}

describe('attention', () => {
  test("gpt: its own softmax weights (rows sum to 1, masked entries 0) and the linear kernel on the same queries and keys", async () => {
    const ctx = context('gpt', 3);
    const d = await run<AttentionData>(ctx, 'attention', { prompt: 'bad\nfigajade' });
    assert.equal(d.T, 12);
    assert.deepEqual(d.panels.map((p) => [p.kind, p.nLayer, p.nHead]), [['softmax', 2, 2], ['linear', 2, 2]]);
    for (const p of d.panels) checkWeights(p, 12);
    const gpt = ctx.model.module as GPT;
    gpt.eval();
    noGrad(() => gpt.forward(fromArray(vocab.encode('bad\nfigajade'), [1, 12], { dtype: 'int32' }), { needWeights: true }));
    gpt.attentionWeights().forEach((w, l) => assertClose(d.panels[0].layers[l].flat(2), w!.toArray(), 1e-6, `layer ${l}`));
    assert.match(d.panels[1].source, /queries and keys/);
  });

  test("linear-gpt: the implied weights times v are the model's causal linear attention; the softmax panel comes from a second model when given", async () => {
    const ctx = context('linear-gpt', 4);
    const prompt = 'headajig';
    const d = await run<AttentionData>(ctx, 'attention', { prompt });
    assert.deepEqual(d.panels.map((p) => p.kind), ['softmax', 'linear']);
    for (const p of d.panels) checkWeights(p, 8);
    // layer 0 by hand: phi(q), phi(k), v of the normalised embeddings, through the model's op
    const gpt = ctx.model.module as GPT;
    const attn = gpt.transformer.h.at(0).attn as LinearAttention;
    noGrad(() => {
      const ids = fromArray(vocab.encode(prompt), [1, 8], { dtype: 'int32' });
      const x = gpt.transformer.wte.forward(ids).add(gpt.transformer.wpe.forward(arange(0, 8, 1, { dtype: 'int32' })));
      const qkv = attn.qkv.forward(gpt.transformer.h.at(0).ln1.forward(x)).reshape(1, 8, 3, 2, 4).permute(2, 0, 3, 1, 4).select(1, 0); // (3, nh, T, hs)
      const [q, k, v] = [0, 1, 2].map((i) => qkv.select(0, i));
      const A = fromArray(Float32Array.from(d.panels[1].layers[0].flat(2)), [2, 8, 8]);
      assertClose(A, linearWeights(q.elu().add(1), k.elu().add(1), attn.eps), 1e-6);
      assertClose(A.matmul(v), causalLinearAttention(q.elu().add(1).contiguous(), k.elu().add(1).contiguous(), v.contiguous(), attn.eps), 1e-4, 'A v = y');
    });
    const other = randomModel('gpt', 5);
    const both = await run<AttentionData>({ ...ctx, others: { gpt: other } }, 'attention', { prompt });
    assert.deepEqual(both.panels.map((p) => [p.kind, p.source]), [['softmax', 'gpt'], ['linear', 'live linear-gpt']]);
    checkWeights(both.panels[0], 8);
  });

  test('a model without attention is shown through a fresh GPT, labelled so; the prompt is checked against the vocabulary', async () => {
    const d = await run<AttentionData>(context('lstm'), 'attention', { length: 6 });
    assert.equal(d.T, 6);
    assert.match(d.panels[0].source, /fresh untrained gpt \(the live lstm has no attention\)/);
    checkWeights(d.panels[0], 6);
    await assert.rejects(async () => run(context('gpt'), 'attention', { prompt: 'xyz' }), /character "x" .* not in the vocabulary/);
  });
});

describe('positional-encoding', () => {
  test('the matrix is sinusoidalTable, the similarity its dot products (a function of p - q); a GPT adds its learned table', async () => {
    const d = await run<PositionalEncodingData>(context('lstm'), 'positional-encoding', { length: 20, dModel: 16 });
    assert.deepEqual([d.length, d.dModel, d.learned], [20, 16, null]);
    assert.deepEqual(d.sinusoidal.matrix.flat(), Array.from(sinusoidalTable(20, 16).toArray()));
    const dot = (a: number[], b: number[]) => sum(a.map((x, i) => x * b[i]));
    const m = d.sinusoidal.matrix;
    for (const [p, q] of [[0, 0], [3, 7], [19, 2]]) assertClose(d.sinusoidal.similarity[p][q], dot(m[p], m[q]), 1e-5);
    assertClose(d.sinusoidal.similarity[3][7], d.sinusoidal.similarity[10][14], 1e-4, 'sim depends on p - q only');
    assertClose(d.sinusoidal.similarity[5][5], 8, 1e-5, 'sin^2 + cos^2 over d/2 pairs');
    const g = await run<PositionalEncodingData>(context('gpt'), 'positional-encoding', { length: 20 });
    assert.equal(g.dModel, 8, "the GPT's width");
    assert.equal(g.learned!.matrix.length, 12, 'at most the block size');
    const wpe = (context('gpt').model.module as GPT).transformer.wpe.weight;
    assert.ok(wpe.shape[0] === 12);
  });
});

describe('sampling', () => {
  for (const name of ['lstm', 'gpt']) {
    test(`${name}: every stage sums to 1, top-k keeps k, top-p keeps the smallest prefix reaching p, and the drawn characters are generate's`, async () => {
      const ctx = context(name, 6);
      const o = { temperature: 0.7, topK: 4, topP: 0.8, seed: 9 };
      const d = await run<SamplingData>(ctx, 'sampling', { prompt: 'bad', steps: 6, ...o });
      assert.equal(d.steps.length, 6);
      for (const s of d.steps) {
        assert.deepEqual(s.stages.map((x) => x.name), ['model', 'temperature', 'top-k', 'top-p']);
        for (const st of s.stages) {
          assert.equal(st.probs.length, vocab.size);
          assertClose(sum(st.probs), 1, 1e-9, `${st.name} sums to 1`);
        }
        const [model, temp, topk, topp] = s.stages.map((x) => x.probs);
        assert.equal(model.filter((p) => p > 0).length, vocab.size);
        assert.equal(topk.filter((p) => p > 0).length, 4, 'top-k keeps k');
        const kept = topp.filter((p) => p > 0).length;
        const sorted = [...topk].sort((a, b) => b - a);
        assert.ok(sum(sorted.slice(0, kept)) >= 0.8 && (kept === 1 || sum(sorted.slice(0, kept - 1)) < 0.8), 'the smallest prefix of mass >= p');
        assert.ok(topp[s.chosen] > 0, 'the drawn character is one of the kept');
        // lower temperature sharpens: the most likely character gains mass
        const best = model.indexOf(Math.max(...model));
        assert.ok(temp[best] >= model[best]);
      }
      ctx.model.module.eval();
      const want = noGrad(() => generate(ctx.model.decoder(), vocab.encode('bad'), 6, o, new Generator(9)));
      assert.deepEqual(d.steps.map((s) => s.chosen), want);
      assert.equal(d.steps[5].context, 'bad' + vocab.decode(want.slice(0, 5)));
    });
  }
});


test('gradient-flow and gates read a text given in params instead of a window of the training text', async () => {
  const ctx = context('gru', 7);
  const g = await run<GatesData>(ctx, 'gates', { text: 'fig\njade', layer: 0 });
  assert.deepEqual([g.chars.join(''), g.start], ['fig\njade', -1]);
  const f = await run<GradientFlowData>(ctx, 'gradient-flow', { text: 'fig\njade' });
  assert.deepEqual([f.text, f.start, f.T], ['fig\njade', -1, 8]);
  await assert.rejects(async () => run(ctx, 'gates', { text: 'xyz' }), /not in the vocabulary/);
});
