/** Attention and Transformers: PyTorch parity, gradients of the fused ops, masking, stacks and the GPT cache. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { noGrad } from '../src/core/autograd.js';
import { fromArray, randint, randn, tensor } from '../src/core/creation.js';
import { cat } from '../src/core/ops/join.js';
import { Generator, manualSeed } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import { GPT } from '../src/models/gpt.js';
import {
  AdditiveAttention, attention, causalLinearAttention, F, generateSquareSubsequentMask, LayerNorm, LinearAttention, LinearAttentionState,
  MultiheadAttention, Transformer, TransformerDecoder, TransformerDecoderLayer, TransformerEncoder, TransformerEncoderLayer,
} from '../src/nn/index.js';
import { testParityCases } from './helpers/cases.js';
import { assertClose } from './helpers/close.js';
import { assertGradcheck } from './helpers/gradcheck.js';

const finite = (t: Tensor) => Array.from(t.toArray()).every(Number.isFinite);

describe('PyTorch parity (test/parity/attention)', () => {
  const names = testParityCases('attention');
  test('there are fixture and unseen-configuration cases', () => {
    assert.ok(names.length >= 30, `only ${names.length} attention cases`);
    assert.ok(names.includes('attention/mha_self') && names.some((n) => n.startsWith('attention/x_')));
  });
});

describe('fused scaled dot-product attention', () => {
  test('finite-difference gradients of q, k, v and a float mask (outputs and weights)', () => {
    manualSeed(1);
    const q = randn([2, 3, 4], { requiresGrad: true });
    const k = randn([2, 5, 4], { requiresGrad: true });
    const v = randn([2, 5, 3], { requiresGrad: true });
    const m = randn([3, 5], { requiresGrad: true });
    const pad = fromArray([0, 0, 1, 0, 0], [5], { dtype: 'bool' });
    assertGradcheck((q, k, v, m) => {
      const [o, w] = attention(q, k, v, { masks: [m, pad] });
      return cat([o.flatten(), w!.flatten()]);
    }, [q, k, v, m]);
  });

  test('finite-difference gradients with causal masking, a custom scale and (fixed) dropout', () => {
    manualSeed(2);
    const q = randn([1, 2, 4, 3], { requiresGrad: true });
    const k = randn([1, 2, 4, 3], { requiresGrad: true });
    const v = randn([1, 2, 4, 2], { requiresGrad: true });
    assertGradcheck((q, k, v) => attention(q, k, v, { isCausal: true, scale: 0.7, dropoutP: 0.3, generator: new Generator(9), needWeights: false })[0], [q, k, v]);
  });

  test('matches the composed softmax(q k^T / sqrt(E) + mask) v', () => {
    manualSeed(3);
    const q = randn([2, 4, 6]);
    const k = randn([2, 5, 6]);
    const v = randn([2, 5, 3]);
    const mask = randn([4, 5]);
    const want = q.matmul(k.transpose(-1, -2)).mul(1 / Math.sqrt(6)).add(mask).softmax(-1).matmul(v);
    assertClose(F.scaledDotProductAttention(q, k, v, { attnMask: mask }).toArray(), want.toArray(), 1e-5, 'sdpa');
  });

  test('bool masks: true = masked out, the same as a -inf float mask', () => {
    manualSeed(4);
    const [q, k, v] = [randn([3, 4]), randn([5, 4]), randn([5, 2])];
    const bool = fromArray([0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1], [3, 5], { dtype: 'bool' });
    const float = fromArray(Array.from(bool.toArray(), (b) => (b ? -Infinity : 0)), [3, 5]);
    const [o1, w1] = attention(q, k, v, { masks: [bool] });
    const [o2] = attention(q, k, v, { masks: [float] });
    assertClose(o1.toArray(), o2.toArray(), 1e-6, 'bool vs float');
    const w = w1!.toArray();
    bool.toArray().forEach((b, i) => b && assert.equal(w[i], 0, `masked weight ${i}`));
  });

  test('a query whose every key is masked gets zero weights and a zero output, not NaN (PyTorch: NaN)', () => {
    manualSeed(5);
    const q = randn([3, 4], { requiresGrad: true });
    const k = randn([5, 4], { requiresGrad: true });
    const v = randn([5, 2], { requiresGrad: true });
    const mask = fromArray([0, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], [3, 5], { dtype: 'bool' }); // row 1 all masked
    const [o, w] = attention(q, k, v, { masks: [mask] });
    assert.deepEqual(Array.from(o.select(0, 1).toArray()), [0, 0]);
    assert.deepEqual(Array.from(w!.select(0, 1).toArray()), [0, 0, 0, 0, 0]);
    assert.ok(finite(o) && finite(w!));
    o.sum().add(w!.sum()).backward();
    assert.ok(finite(q.grad!) && finite(k.grad!) && finite(v.grad!));
    assert.deepEqual(Array.from(q.grad!.select(0, 1).toArray()), [0, 0, 0, 0]);
  });

  test('MultiheadAttention with a fully padded sequence: zeros where PyTorch has NaN', () => {
    manualSeed(6);
    const mha = new MultiheadAttention(8, 2, { batchFirst: true });
    const x = randn([2, 3, 8]);
    const pad = fromArray([0, 0, 1, 1, 1, 1], [2, 3], { dtype: 'bool' }); // sequence 1 is all padding
    const [y, w] = mha.forward(x, x, x, { keyPaddingMask: pad });
    assert.ok(finite(y) && finite(w!));
    assert.deepEqual(Array.from(w!.select(0, 1).toArray()), new Array(9).fill(0));
    // its attention output is zero, so the layer returns out_proj's bias (zero-initialised)
    assertClose(y.select(0, 1).toArray(), new Float32Array(24), 0, 'padded output');
  });

  test('shape errors name both shapes', () => {
    assert.throws(() => F.scaledDotProductAttention(randn([2, 3, 4]), randn([2, 5, 3]), randn([2, 5, 3])), /\[2, 3, 4\].*\[2, 5, 3\]/);
    assert.throws(() => F.scaledDotProductAttention(randn([3, 4]), randn([5, 4]), randn([5, 4]), { attnMask: randn([3, 4]) }), /does not broadcast/);
    assert.throws(() => new MultiheadAttention(10, 3), /divisible/);
  });
});

describe('causal linear attention', () => {
  test('finite-difference gradients of the fused running-sum op', () => {
    manualSeed(7);
    const q = randn([2, 5, 3]).abs().add(0.1).detach().requiresGrad_(true);
    const k = randn([2, 5, 3]).abs().add(0.1).detach().requiresGrad_(true);
    const v = randn([2, 5, 2], { requiresGrad: true });
    assertGradcheck((q, k, v) => causalLinearAttention(q, k, v), [q, k, v]);
    // continuing from a state holding a prefix (the state is a constant: each call gets a fresh copy)
    const prefix = new LinearAttentionState(2, 3, 2);
    noGrad(() => causalLinearAttention(q, k, v, 1e-6, prefix));
    const copy = () => {
      const s = new LinearAttentionState(2, 3, 2);
      s.S.set(prefix.S);
      s.z.set(prefix.z);
      return s;
    };
    assertGradcheck((q, k, v) => causalLinearAttention(q, k, v, 1e-6, copy()), [q, k, v]);
  });

  test('equals the quadratic masked form, and position t ignores later inputs', () => {
    manualSeed(8);
    const q = randn([2, 7, 3]).elu().add(1);
    const k = randn([2, 7, 3]).elu().add(1);
    const v = randn([2, 7, 4]);
    // A = tril(q k^T); y = A v / (A 1 + eps)
    const A = q.matmul(k.transpose(-1, -2)).tril();
    const want = A.matmul(v).div(A.sum(-1, true).add(1e-6));
    assertClose(causalLinearAttention(q, k, v).toArray(), want.toArray(), 1e-5, 'causal linear attention');

    const la = new LinearAttention(8, 2, { causal: true });
    const x = randn([1, 6, 8]);
    const y = la.forward(x);
    const x2 = cat([x.narrow(1, 0, 3), randn([1, 3, 8])], 1);
    assertClose(la.forward(x2).narrow(1, 0, 3).toArray(), y.narrow(1, 0, 3).toArray(), 1e-6, 'prefix unchanged');
  });
});

describe('Transformer stacks', () => {
  test('generateSquareSubsequentMask: float -inf/0 as PyTorch, and a bool variant', () => {
    assert.deepEqual(generateSquareSubsequentMask(3).tolist(), [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]);
    assert.deepEqual(generateSquareSubsequentMask(2, { dtype: 'bool' }).tolist(), [[false, true], [false, false]]);
    assert.deepEqual(Transformer.generateSquareSubsequentMask(1).tolist(), [[0]]);
  });

  test('state-dict keys are PyTorch\'s', () => {
    const t = new Transformer({ dModel: 8, nhead: 2, numEncoderLayers: 2, numDecoderLayers: 1, dimFeedforward: 16 });
    const keys = [...t.stateDict().keys()];
    for (const k of ['encoder.layers.1.self_attn.in_proj_weight', 'encoder.layers.0.linear2.bias', 'encoder.norm.weight',
      'decoder.layers.0.multihead_attn.out_proj.weight', 'decoder.layers.0.norm3.bias', 'decoder.norm.bias'])
      assert.ok(keys.includes(k), k);
    assert.equal(keys.length, 2 * 12 + 18 + 4); // as PyTorch: 12 per encoder layer, 18 per decoder layer, 2 norms
    const mha = new MultiheadAttention(8, 2, { kdim: 3, vdim: 5 });
    assert.deepEqual([...mha.stateDict().keys()], ['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    assert.ok(Array.from(mha.inProjBias!.toArray()).every((x) => x === 0));
  });

  test('stack layers are copies: same initial values, separate parameters', () => {
    const enc = new TransformerEncoder(new TransformerEncoderLayer(8, 2, { dimFeedforward: 16 }), 2);
    const [a, b] = [enc.layers.at(0), enc.layers.at(1)];
    assert.notEqual(a.linear1.weight, b.linear1.weight);
    assert.deepEqual(a.linear1.weight.toArray(), b.linear1.weight.toArray());
  });

  test('attention weights are retrievable from inside encoder and decoder stacks', () => {
    manualSeed(9);
    const B = 2, T = 4, S = 5, E = 8;
    const enc = new TransformerEncoder(new TransformerEncoderLayer(E, 2, { dimFeedforward: 16, dropout: 0, batchFirst: true }), 2, { norm: new LayerNorm(E) });
    const src = randn([B, T, E]);
    const causal = generateSquareSubsequentMask(T, { dtype: 'bool' });
    enc.forward(src, causal, null, { needWeights: true });
    const ws = enc.attentionWeights();
    assert.equal(ws.length, 2);
    for (const w of ws) {
      assert.deepEqual(w!.shape, [B, T, T]);
      assertClose(w!.sum(-1).toArray(), new Float32Array(B * T).fill(1), 1e-5, 'rows sum to 1');
      assert.equal(w!.tolist() && (w!.tolist() as number[][][])[0][0][1], 0); // causal: query 0 does not see key 1
    }
    // layer 0's weights are its self-attention's on the input
    const [, direct] = enc.layers.at(0).selfAttn.forward(src, src, src, { attnMask: causal });
    assertClose(ws[0]!.toArray(), direct!.toArray(), 1e-6, 'layer 0 weights');
    enc.forward(src);
    assert.equal(enc.attentionWeights()[0], null, 'not kept without needWeights');

    const dec = new TransformerDecoder(new TransformerDecoderLayer(E, 2, { dimFeedforward: 16, dropout: 0 }), 2);
    dec.forward(randn([T, B, E]), randn([S, B, E]), { tgtIsCausal: true, needWeights: true, averageAttnWeights: false });
    assert.deepEqual(dec.selfAttentionWeights()[1]!.shape, [B, 2, T, T]);
    assert.deepEqual(dec.crossAttentionWeights()[1]!.shape, [B, 2, T, S]);
  });

  test('positional masks and the options object are the same call', () => {
    manualSeed(10);
    const layer = new TransformerDecoderLayer(8, 2, { dimFeedforward: 16, dropout: 0 });
    const [tgt, mem] = [randn([3, 2, 8]), randn([4, 2, 8])];
    const mask = generateSquareSubsequentMask(3);
    const pad = fromArray([0, 0, 0, 1, 0, 0, 0, 0], [2, 4], { dtype: 'bool' });
    const a = layer.forward(tgt, mem, mask, null, null, pad);
    const b = layer.forward(tgt, mem, { tgtMask: mask, memoryKeyPaddingMask: pad });
    const c = layer.forward(tgt, mem, null, null, null, pad, { tgtIsCausal: true });
    assertClose(a.toArray(), b.toArray(), 0, 'positional vs options');
    assertClose(a.toArray(), c.toArray(), 1e-6, 'float causal mask vs isCausal');
  });
});

describe('AdditiveAttention', () => {
  test('a padding mask zeroes those weights; a fully masked row gives zeros', () => {
    manualSeed(11);
    const att = new AdditiveAttention(3, 4, 5);
    const mask = fromArray([0, 0, 1, 1, 1, 1], [2, 3], { dtype: 'bool' });
    const [ctx, w] = att.forward(randn([2, 3]), randn([2, 3, 4]), mask);
    const wa = w.toArray();
    assert.equal(wa[2], 0);
    assertClose([wa[0] + wa[1]], [1], 1e-6, 'row 0 sums to 1');
    assert.deepEqual(Array.from(wa.slice(3)), [0, 0, 0]);
    assert.deepEqual(Array.from(ctx.select(0, 1).toArray()), [0, 0, 0, 0]);
  });

  test('keys projected once (projectKeys) give the same context, weights and gradients as projecting them in forward', () => {
    manualSeed(12);
    const att = new AdditiveAttention(3, 4, 5);
    const q = randn([2, 3]);
    const keys = randn([2, 3, 4], { requiresGrad: true });
    const run = (pre: boolean) => {
      att.zeroGrad();
      keys.grad = null;
      const projected = att.projectKeys(keys);
      // two decoder steps over the same keys, as lstm-attention's decoder does
      const [c1, w1] = pre ? att.forward(q, keys, null, projected) : att.forward(q, keys);
      const [c2] = pre ? att.forward(c1.narrow(1, 0, 3).contiguous(), keys, null, projected) : att.forward(c1.narrow(1, 0, 3).contiguous(), keys);
      c2.sum().backward();
      return [c1, w1, c2, keys.grad!, att.keyProj.weight.grad!].map((t) => Array.from(t.toArray()));
    };
    const [once, each] = [run(true), run(false)];
    for (let i = 0; i < once.length; i++) assertClose(once[i], each[i], 1e-6, `output ${i}`);
  });
});

describe('GPT', () => {
  const config = { vocabSize: 11, blockSize: 12, nLayer: 2, nHead: 2, nEmbd: 16 };

  test('nanoGPT keys, tied head, init scale', () => {
    const gpt = new GPT(config);
    const keys = [...gpt.stateDict().keys()];
    for (const k of ['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.1.attn.c_attn.weight', 'transformer.h.0.mlp.c_proj.bias', 'transformer.ln_f.weight', 'lm_head.weight'])
      assert.ok(keys.includes(k), k);
    assert.equal(gpt.lmHead.weight, gpt.transformer.wte.weight);
    assert.equal(new GPT({ ...config, tiedHead: false }).numParameters() - gpt.numParameters(), 11 * 16);
    const w = Array.from(gpt.transformer.h.at(0).mlp.cFc.weight.toArray());
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    assert.ok(std > 0.015 && std < 0.025, `c_fc std ${std}`);
  });

  test('cached incremental decoding gives the full forward\'s logits at every position (softmax and linear attention)', () => {
    manualSeed(12);
    for (const [attention, tiedHead] of [['softmax', true], ['softmax', false], ['linear', true], ['linear', false]] as const) {
      const gpt = new GPT({ ...config, tiedHead, attention }).eval();
      const B = 2, T = 10;
      const ids = randint(0, 11, [B, T], { dtype: 'int32' });
      const full = noGrad(() => gpt.forward(ids)); // (B, T, V)
      const cache = gpt.createCache(B);
      for (let t = 0; t < T; t++) {
        const step = gpt.step(ids.narrow(1, t, 1).contiguous(), cache); // (B, 1, V)
        assertClose(step.toArray(), full.narrow(1, t, 1).toArray(), 1e-4, `position ${t}`);
      }
      // a prefill chunk then single tokens, from a reset cache
      cache.reset();
      const pre = gpt.step(ids.narrow(1, 0, 6).contiguous(), cache);
      assertClose(pre.toArray(), full.narrow(1, 0, 6).toArray(), 1e-4, 'prefill');
      const rest = gpt.step(ids.narrow(1, 6, 4).contiguous(), cache);
      assertClose(rest.toArray(), full.narrow(1, 6, 4).toArray(), 1e-4, 'chunk after prefill');
      assert.equal(cache.length, 10);
      assert.throws(() => gpt.step(ids.narrow(1, 0, 3).contiguous(), cache), /exceed blockSize 12/);
    }
  });

  test('generate: greedy continuation matches argmax of the full forward, and slides past blockSize', () => {
    manualSeed(13);
    const gpt = new GPT(config).eval();
    const prompt = tensor([[1, 2, 3]], { dtype: 'int32' });
    const out = gpt.generate(prompt, 4, { greedy: true });
    assert.deepEqual(out.shape, [1, 7]);
    const seq = Array.from(out.toArray());
    for (let t = 3; t < 7; t++) {
      const logits = noGrad(() => gpt.forward(fromArray(seq.slice(0, t), [1, t], { dtype: 'int32' }))).select(1, t - 1).toArray();
      assert.equal(seq[t], logits.indexOf(Math.max(...logits)), `token ${t}`);
    }
    const long = gpt.generate(prompt, 20, { temperature: 1, generator: new Generator(1) });
    assert.deepEqual(long.shape, [1, 23]);
  });

  test('forward is differentiable and keeps attention weights on request', () => {
    manualSeed(14);
    const gpt = new GPT(config);
    const ids = randint(0, 11, [2, 5], { dtype: 'int32' });
    const loss = F.crossEntropy(gpt.forward(ids, { needWeights: true }).reshape(10, 11), randint(0, 11, [10], { dtype: 'int32' }));
    loss.backward();
    assert.ok(gpt.transformer.wte.weight.grad && finite(gpt.transformer.wte.weight.grad));
    assert.deepEqual(gpt.attentionWeights()[1]!.shape, [2, 2, 5, 5]);
  });
});

describe('GPT initialisation', () => {
  /** max |x| and standard deviation of a tensor's elements. */
  const stats = (t: Tensor) => {
    const a = Array.from(t.toArray());
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    return { max: Math.max(...a.map(Math.abs)), std: Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length) };
  };

  test("'pytorch' keeps the PyTorch modules' defaults; 'gpt2' draws N(0, 0.02)", () => {
    const C = 64;
    const cfg = { vocabSize: 50, blockSize: 16, nLayer: 2, nHead: 4, nEmbd: C, tiedHead: false };
    const torchLike = new GPT({ ...cfg, init: 'pytorch' }, { generator: new Generator(1) });
    const sd = torchLike.stateDict();
    assert.ok(Math.abs(stats(sd.get('transformer.wte.weight')!).std - 1) < 0.05, 'nn.Embedding: N(0, 1)');
    const inProj = stats(sd.get('transformer.h.0.attn.c_attn.weight')!);
    assert.ok(inProj.max <= Math.sqrt(6 / (C + 3 * C)) && inProj.max > 0.9 * Math.sqrt(6 / (C + 3 * C)), 'in_proj: Xavier uniform');
    assert.equal(stats(sd.get('transformer.h.0.attn.c_attn.bias')!).max, 0);
    assert.equal(stats(sd.get('transformer.h.0.attn.c_proj.bias')!).max, 0);
    const fc = stats(sd.get('transformer.h.0.mlp.c_fc.weight')!);
    assert.ok(fc.max <= 1 / Math.sqrt(C) && fc.max > 0.9 / Math.sqrt(C), 'nn.Linear: U(+-1/sqrt(fan_in))');
    assert.ok(stats(sd.get('lm_head.weight')!).max <= 1 / Math.sqrt(C));
    const gpt2 = new GPT({ ...cfg, init: 'gpt2' }, { generator: new Generator(1) }).stateDict();
    assert.ok(Math.abs(stats(gpt2.get('transformer.wte.weight')!).std - 0.02) < 0.002);
    assert.ok(Math.abs(stats(gpt2.get('transformer.h.0.mlp.c_proj.weight')!).std - 0.02 / Math.sqrt(4)) < 0.001);
  });

  test('an unknown init scheme is refused', () => {
    assert.throws(() => new GPT({ vocabSize: 5, init: 'xavier' as never }), /init must be 'gpt2' or 'pytorch', got xavier/);
  });
});
