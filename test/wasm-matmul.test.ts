// The WebAssembly sgemm kernel against a plain triple loop, on a shared memory of its own.
// Needs dist/wasm/loom.wasm: `node scripts/build-wasm.mjs` first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../src/node.js'; // the Node set-up: worker threads, loom.wasm from the file system
import { loadKernels, type WasmKernels } from '../src/backends/wasm/module.js';
import { KernelPool } from '../src/backends/wasm/threads.js';

const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true });
const kernels: WasmKernels = await loadKernels(memory);
const SCRATCH = kernels.sgemmScratchBytes();
const SENTINEL = 12345.5;

/** A bump allocator over the test memory, reset for every case; 64-byte aligned like the engine's heap. */
class Arena {
  constructor(private top = 64) {}
  alloc(floats: number): number {
    const ptr = this.top;
    this.top = (ptr + floats * 4 + 63) & ~63;
    const needPages = Math.ceil(this.top / 65536) - memory.buffer.byteLength / 65536;
    if (needPages > 0) memory.grow(needPages);
    return ptr;
  }
}

const f32 = (): Float32Array => new Float32Array(memory.buffer);

/** Deterministic values in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

interface Case {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** Extra elements per stored row, to test strides larger than the row. */
  pad?: number;
  /** Old contents of C: random values, or NaN (must vanish when beta = 0). */
  cInit?: 'random' | 'nan';
  /** Split the rows over several calls (as worker threads do), each with its own scratch. */
  splits?: number[];
  seed?: number;
}

/** Runs one case on the kernel and checks every element of C (and the padding around it) against the loop. */
function check(cs: Case): void {
  const { M, N, K } = cs;
  const transA = cs.transA ?? false;
  const transB = cs.transB ?? false;
  const alpha = cs.alpha ?? 1;
  const beta = cs.beta ?? 0;
  const pad = cs.pad ?? 0;
  const rand = rng(cs.seed ?? M * 131 + N * 17 + K);
  const [aRows, aCols] = transA ? [K, M] : [M, K];
  const [bRows, bCols] = transB ? [N, K] : [K, N];
  const lda = aCols + pad;
  const ldb = bCols + pad;
  const ldc = N + pad;

  const arena = new Arena();
  const splits = cs.splits ?? [];
  const bounds = [0, ...splits, M];
  const scratches = bounds.slice(1).map(() => arena.alloc(SCRATCH / 4));
  const aPtr = arena.alloc(aRows * lda);
  const bPtr = arena.alloc(bRows * ldb);
  const cPtr = arena.alloc(M * ldc + 16);
  let mem = f32();
  const A = (i: number, k: number): number => mem[aPtr / 4 + (transA ? k * lda + i : i * lda + k)];
  const B = (k: number, j: number): number => mem[bPtr / 4 + (transB ? j * ldb + k : k * ldb + j)];
  for (let i = 0; i < aRows * lda; i++) mem[aPtr / 4 + i] = rand();
  for (let i = 0; i < bRows * ldb; i++) mem[bPtr / 4 + i] = rand();
  for (let i = 0; i < M * ldc + 16; i++) {
    const inside = i < M * ldc && i % ldc < N;
    mem[cPtr / 4 + i] = !inside ? SENTINEL : cs.cInit === 'nan' ? NaN : rand();
  }
  const c0 = mem.slice(cPtr / 4, cPtr / 4 + M * ldc);

  for (let s = 0; s + 1 < bounds.length; s++) {
    kernels.sgemm(aPtr, bPtr, cPtr, M, N, K, lda, ldb, ldc, +transA, +transB, alpha, beta, bounds[s], bounds[s + 1], scratches[s]);
  }

  mem = f32();
  const label = `M=${M} N=${N} K=${K} transA=${transA} transB=${transB} alpha=${alpha} beta=${beta} pad=${pad}`;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let dot = 0;
      let mag = 0;
      for (let k = 0; k < K; k++) {
        dot += A(i, k) * B(k, j);
        mag += Math.abs(A(i, k) * B(k, j));
      }
      const old = c0[i * ldc + j];
      const kept = beta === 0 ? 0 : beta * old;
      const want = alpha * dot + kept;
      const got = mem[cPtr / 4 + i * ldc + j];
      const tol = 1e-6 * (Math.abs(alpha) * mag + Math.abs(kept)) * Math.sqrt(K + 1) + 1e-6;
      if (!(Math.abs(got - want) <= tol)) {
        assert.fail(`${label}: C[${i}][${j}] = ${got}, expected ${want} (tolerance ${tol})`);
      }
    }
  }
  for (let i = 0; i < M * ldc + 16; i++) {
    if (i < M * ldc && i % ldc < N) continue;
    if (mem[cPtr / 4 + i] !== SENTINEL) assert.fail(`${label}: wrote outside C at element ${i} (row ${Math.floor(i / ldc)})`);
  }
}

const TRANS: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

test('sgemm: edge and block sizes, all four transpose combinations', () => {
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [1, 8, 1],
    [4, 8, 4],
    [7, 13, 5],
    [3, 2, 9],
    [64, 64, 64],
    [65, 33, 129],
    [1, 300, 17], // a row vector times a matrix (few rows: no packing)
    [2, 37, 600],
    [3, 64, 258],
    [300, 1, 17], // a matrix times a column vector
    [9, 7, 600], // several K blocks
    [140, 20, 30], // more rows than one A block
    [5, 530, 9], // more columns than one B block
  ];
  for (const [M, N, K] of sizes) {
    for (const [transA, transB] of TRANS) check({ M, N, K, transA, transB });
  }
});

test('sgemm: row strides larger than the rows', () => {
  for (const [transA, transB] of TRANS) {
    check({ M: 13, N: 11, K: 10, transA, transB, pad: 3 });
    check({ M: 8, N: 16, K: 8, transA, transB, pad: 4 });
  }
});

test('sgemm: alpha and beta', () => {
  for (const [transA, transB] of TRANS) {
    check({ M: 21, N: 19, K: 300, transA, transB, alpha: 0.5, beta: 1, cInit: 'random' });
    check({ M: 9, N: 17, K: 3, transA, transB, alpha: -2, beta: -0.25, cInit: 'random' });
    check({ M: 10, N: 12, K: 7, transA, transB, beta: 0, cInit: 'nan', pad: 1 });
    check({ M: 1, N: 23, K: 33, transA, transB, alpha: -2, beta: -0.25, cInit: 'random' }); // few rows
    check({ M: 2, N: 21, K: 7, transA, transB, beta: 0, cInit: 'nan', pad: 2 });
  }
  check({ M: 6, N: 10, K: 4, alpha: 0, beta: 0.5, cInit: 'random' }); // C = beta * C, A and B unread
  check({ M: 6, N: 10, K: 0, beta: 0, cInit: 'nan' }); // empty product: C = 0
  check({ M: 6, N: 10, K: 0, beta: 2, cInit: 'random' });
});

test('sgemm: row ranges compose to the full product', () => {
  for (const [transA, transB] of TRANS) {
    check({ M: 37, N: 29, K: 41, transA, transB, splits: [18] });
    check({ M: 65, N: 33, K: 129, transA, transB, splits: [1, 2, 31, 64], beta: 1, cInit: 'random' });
    check({ M: 10, N: 9, K: 5, transA, transB, splits: [0, 10] }); // empty ranges at both ends
    check({ M: 3, N: 21, K: 9, transA, transB, splits: [1], beta: 0.5, cInit: 'random' });
  }
});

test('sgemm: random shapes', () => {
  const rand = rng(7);
  const pick = (n: number): number => 1 + Math.floor(((rand() + 1) / 2) * n);
  for (let t = 0; t < 40; t++) {
    const [transA, transB] = TRANS[t % 4];
    check({ M: pick(70), N: pick(70), K: pick(70), transA, transB, pad: t % 3, beta: t % 5 === 0 ? 1 : 0, cInit: 'random', seed: t });
  }
});

test('KernelPool: two threads give the single-threaded result, bit for bit', async () => {
  const pool = await KernelPool.create(kernels, 2);
  // Everything below lives past the memory's end at the time the workers were started: their
  // instances must see the grown memory.
  const grownFrom = memory.buffer.byteLength;
  memory.grow(256);
  try {
    const shapes: [number, number, number][] = [
      [3, 5, 7], // small: the caller alone
      [64, 64, 64],
      [131, 67, 259],
      [12, 700, 90],
    ];
    let t = 0;
    for (const [M, N, K] of shapes) {
      for (const [transA, transB] of TRANS) {
        const beta = t++ % 2;
        const rand = rng(M + N + K + t);
        const arena = new Arena(grownFrom);
        const scratch = arena.alloc(pool.scratchBytes / 4);
        const a = arena.alloc(M * K);
        const b = arena.alloc(K * N);
        const c1 = arena.alloc(M * N);
        const c2 = arena.alloc(M * N);
        const mem = f32();
        for (let i = 0; i < M * K; i++) mem[a / 4 + i] = rand();
        for (let i = 0; i < K * N; i++) mem[b / 4 + i] = rand();
        for (let i = 0; i < M * N; i++) mem[c1 / 4 + i] = mem[c2 / 4 + i] = rand();
        const [lda, ldb] = [transA ? M : K, transB ? K : N];
        kernels.sgemm(a, b, c1, M, N, K, lda, ldb, N, +transA, +transB, 0.75, beta, 0, M, scratch);
        // the pool takes element offsets (a, b, c2 are byte addresses, 64-byte aligned)
        pool.sgemm({ a: a / 4, b: b / 4, c: c2 / 4, M, N, K, lda, ldb, ldc: N, transA, transB, alpha: 0.75, beta, scratch });
        const out = f32();
        for (let i = 0; i < M * N; i++) {
          if (!Object.is(out[c1 / 4 + i], out[c2 / 4 + i])) {
            assert.fail(`M=${M} N=${N} K=${K} transA=${transA} transB=${transB}: element ${i} is ${out[c2 / 4 + i]} on two threads, ${out[c1 / 4 + i]} on one`);
          }
        }
      }
    }
  } finally {
    await pool.close();
  }
  const tiny = { a: 0, b: 0, c: 0, M: 1, N: 1, K: 1, lda: 1, ldb: 1, ldc: 1, transA: false, transB: false, alpha: 1, beta: 0, scratch: 0 };
  assert.throws(() => pool.sgemm(tiny), /after close/);
});

test('KernelPool: rejects a bad thread count', async () => {
  await assert.rejects(KernelPool.create(kernels, 0), /threads must be an integer in \[1, 64\], got 0/);
});
