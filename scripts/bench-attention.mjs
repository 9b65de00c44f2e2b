#!/usr/bin/env node
// Times the forward pass of softmax attention (nn.MultiheadAttention, one fused attention op) against
// linear attention (nn.LinearAttention, elu+1 feature map, non-causal and causal) for growing sequence
// lengths, and prints a markdown table. d_model 64, 4 heads, batch 1, no gradients, eval mode.
//
//   node scripts/bench-attention.mjs                    lengths 256 512 1024 2048 4096
//   node scripts/bench-attention.mjs --lengths 256,1024 --budget 0.5
//
// Needs a build (npx tsc -p tsconfig.json). Each cell is the fastest of several timed calls after a
// warm-up, repeated until --budget seconds are spent on it (at least 2 calls). Softmax attention's cost
// is O(T^2 d) and its (H, T, T) weights take O(T^2) memory; linear attention's is O(T d^2).

import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    lengths: { type: 'string', default: '256,512,1024,2048,4096' },
    budget: { type: 'string', default: '1' },
  },
});
const lengths = opts.lengths.split(',').map(Number);
const budget = Number(opts.budget) * 1000;

const { nn, noGrad, randn, manualSeed, backend } = await import('../dist/src/index.js');

const D = 64;
const H = 4;
manualSeed(0);
const mha = new nn.MultiheadAttention(D, H, { batchFirst: true }).eval();
const lin = new nn.LinearAttention(D, H).eval();
const causal = new nn.LinearAttention(D, H, { causal: true }).eval();

function time(fn) {
  fn(); // warm-up
  let best = Infinity;
  const start = performance.now();
  for (let n = 0; n < 2 || performance.now() - start < budget; n++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

const rows = [];
for (const T of lengths) {
  const x = randn([1, T, D]);
  const r = noGrad(() => ({
    T,
    softmax: time(() => mha.forward(x, x, x, { needWeights: false })),
    linear: time(() => lin.forward(x)),
    causal: time(() => causal.forward(x)),
  }));
  rows.push(r);
  process.stderr.write(`T=${T} done\n`);
}

const ms = (v) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const growth = (i, k) => (i === 0 ? '' : ` (x${(rows[i][k] / rows[i - 1][k]).toFixed(1)})`);
console.log(`Forward pass, d_model ${D}, ${H} heads, batch 1, backend ${backend().name}, Node ${process.version}; milliseconds (growth per doubling of T).\n`);
console.log('| T | softmax attention (MHA) | linear attention | causal linear attention | softmax / linear |');
console.log('|---:|---:|---:|---:|---:|');
rows.forEach((r, i) =>
  console.log(`| ${r.T} | ${ms(r.softmax)}${growth(i, 'softmax')} | ${ms(r.linear)}${growth(i, 'linear')} | ${ms(r.causal)}${growth(i, 'causal')} | ${(r.softmax / r.linear).toFixed(1)} |`),
);
