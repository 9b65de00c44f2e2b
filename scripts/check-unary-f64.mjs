#!/usr/bin/env node
// Checks that the WebAssembly kernels of elu and log1p (src/backends/wasm/as/unary-f64.ts) give the
// reference backend's float32 results, Math.expm1 / Math.log1p of the widened input rounded to f32, for
// every float32 input of the op's non-trivial range (elu: x < 0; log1p: x > -1), or every `step`-th one.
// Run after `npm run build`:
//
//   node scripts/check-unary-f64.mjs elu        every negative float32 (2^31 inputs, about a minute)
//   node scripts/check-unary-f64.mjs log1p 97   every 97th bit pattern

import { heap } from '../dist/src/core/memory.js';
import { loadKernels } from '../dist/src/backends/wasm/module.js';

const op = process.argv[2];
const step = Number(process.argv[3] ?? 1);
const CODE = { elu: 15, log1p: 16 };
const ref = { elu: Math.expm1, log1p: Math.log1p };
if (!(op in CODE) || !(step >= 1)) throw new Error(`usage: check-unary-f64.mjs elu|log1p [step], got ${process.argv.slice(2).join(' ')}`);

const k = await loadKernels(heap.memory);
const CHUNK = 1 << 20;
const x = heap.alloc(CHUNK * 4);
const y = heap.alloc(CHUNK * 4);
const bits = new Uint32Array(CHUNK);
const xs = new Float32Array(bits.buffer);
// elu: the negative floats, bit patterns 0x80000001..0xff800000 (-inf); log1p: the positive floats and
// the negative ones above -1 (0x00000000..0x7f800000, 0x80000001..0xbf7fffff)
const ranges = op === 'elu' ? [[0x80000001, 0xff800000]] : [[0x00000000, 0x7f800000], [0x80000001, 0xbf7fffff]];
let checked = 0;
let mismatches = 0;
for (const [lo, hi] of ranges) {
  for (let b = lo; b <= hi; ) {
    let n = 0;
    for (; n < CHUNK && b <= hi; n++, b += step) bits[n] = b;
    heap.f32.set(xs.subarray(0, n), x / 4);
    k.unaryF64(0, n, 0, CODE[op], x, y);
    const got = heap.f32.subarray(y / 4, y / 4 + n);
    for (let i = 0; i < n; i++) {
      const want = Math.fround(ref[op](xs[i]));
      if (!Object.is(got[i], want) && !(Number.isNaN(want) && Number.isNaN(got[i]))) {
        if (mismatches++ < 10) console.log(`${op}(${xs[i]}): wasm ${got[i]}, reference ${want}`);
      }
    }
    checked += n;
  }
}
console.log(`${op}: ${checked} float32 inputs checked, ${mismatches} differ`);
process.exit(mismatches === 0 ? 0 : 1);
