/**
 * `loom bench`: the throughput workloads of shared/bench/WORKLOADS.md, on the fast kernels (WebAssembly
 * SIMD on every core) and on the plain-TypeScript reference kernels.
 *
 * The first line printed is one JSON object with the keys of WORKLOADS.md plus the same keys with the
 * suffix `_ref`, and which build of the kernels ran with its ceiling: `simd` ('plain' or 'relaxed', see
 * backends/wasm/simd.ts), `wasm_fma_peak_gflops` (relaxed: a register-only loop of fused multiply-adds on
 * every thread) or `wasm_simd_peak_gflops` (plain: the same loop with mul + add),
 * `sgemm512_fraction_of_peak` (sgemm512_gflops over that peak) and `gpt_large_fraction_of_peak` (the large
 * GPT's model FLOPs a second over it); details follow. The reference runs in a child process of its own (fewer
 * repetitions: it is slow), so that each side's peak memory (`rss_mb`) and JIT state are its own.
 *
 * The workloads are the same as shared/bench/torch_anchor.py: random data of the stated shapes, timing
 * after warm-up, median of the timed repetitions.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { backend, setBackend, type Backend } from '../backends/backend.js';
import { profiled } from '../backends/profile.js';
import { referenceBackend } from '../backends/reference.js';
import { createWasmBackend, type WasmBackend } from '../backends/wasm/backend.js';
import { simdPeak } from '../backends/wasm/peak.js';
import { heap } from '../core/memory.js';
import { scope } from '../core/storage.js';
import { BENCH_KEYS, cnnStep, emptyFigures, FAST, fmtFigures, GPT_LARGE, gptStep, gptTrainFlopsPerToken, lstmStep, runAll, SLOW, type Figures } from '../bench/workloads.js';
import { num, UsageError, type Command } from './args.js';
import { benchInBrowser } from './bench-browser.js';

/** Kernel time of one step of each training workload, and what is left for JavaScript and collection. */
function profile(log: (s: string) => void): void {
  const base = backend();
  const collect = heap.collect;
  let gcMs = 0;
  let gcCalls = 0;
  heap.collect = function (this: typeof heap) {
    const t0 = performance.now();
    collect.call(this);
    gcMs += performance.now() - t0;
    gcCalls++;
  };
  try {
    for (const [name, make] of [['LSTM', lstmStep], ['GPT', gptStep], ['CNN', cnnStep]] as const) {
      const step = make();
      // in a scope each, as the bench's repetitions and the training loop run them
      for (let i = 0; i < 3; i++) scope(step);
      const p = profiled(base);
      setBackend(p.backend);
      const steps = 5;
      gcMs = 0;
      gcCalls = 0;
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) scope(step);
      const total = (performance.now() - t0) / steps;
      setBackend(base);
      const rows = p.times();
      const kernels = rows.reduce((a, r) => a + r.ms, 0) / steps;
      log(`\n${name} train step on ${base.name}: ${total.toFixed(1)} ms (mean of ${steps}, kernels timed one by one)`);
      log(`  ${'kernel'.padEnd(28)}${'calls'.padStart(7)}${'ms/step'.padStart(10)}${'share'.padStart(8)}`);
      for (const r of rows) {
        const ms = r.ms / steps;
        if (ms < 0.05 * (total / 100)) continue;
        log(`  ${r.name.padEnd(28)}${String(Math.round(r.calls / steps)).padStart(7)}${ms.toFixed(2).padStart(10)}${((100 * ms) / total).toFixed(1).padStart(7)}%`);
      }
      const gc = gcMs / steps;
      log(`  ${'heap.collect (forced GC)'.padEnd(28)}${(gcCalls / steps).toFixed(1).padStart(7)}${gc.toFixed(2).padStart(10)}${((100 * gc) / total).toFixed(1).padStart(7)}%`);
      const rest = total - kernels - gc;
      log(`  ${'JavaScript (ops, autograd)'.padEnd(28)}${''.padStart(7)}${rest.toFixed(2).padStart(10)}${((100 * rest) / total).toFixed(1).padStart(7)}%`);
    }
  } finally {
    setBackend(base);
    heap.collect = collect;
  }
}

/**
 * The build that ran and the ceiling of its kernels (backends/wasm/peak.ts): `simd`, the peak under
 * the build's key, the share of it the 512 x 512 sgemm reaches, and the share the large GPT's training
 * step turns into model FLOPs (`gpt_large_fraction_of_peak`: tokens/s times gptTrainFlopsPerToken, over
 * the peak; issue 15's utilisation). A fraction is null when its workload did not run.
 */
function ceilingOf(peak: { gflops: number; simd: 'plain' | 'relaxed' }, figures: Figures, log: (s: string) => void): Record<string, string | number | null> {
  const key = peak.simd === 'relaxed' ? 'wasm_fma_peak_gflops' : 'wasm_simd_peak_gflops';
  const fraction = (gflops: number | null) => (gflops === null ? null : Math.round((1000 * gflops) / peak.gflops) / 1000);
  log(`${key}: ${peak.gflops.toFixed(1)} (register-only ${peak.simd === 'relaxed' ? 'relaxed_madd' : 'mul + add'} loop on every thread, best of 15)`);
  const tokS = figures.gpt_large_train_tok_s;
  const gptLarge = tokS === null ? null : (tokS * gptTrainFlopsPerToken(GPT_LARGE)) / 1e9;
  if (gptLarge !== null) log(`gpt large train: ${gptLarge.toFixed(1)} model GFLOPS (${(gptTrainFlopsPerToken(GPT_LARGE) / 1e6).toFixed(1)} MFLOP a token, 6N + 12 nLayer T d)`);
  return { simd: peak.simd, [key]: Math.round(peak.gflops * 10) / 10, sgemm512_fraction_of_peak: fraction(figures.sgemm512_gflops), gpt_large_fraction_of_peak: fraction(gptLarge) };
}

/** The process's peak resident memory, MB. */
const rssMB = () => process.resourceUsage().maxRSS / 1024;

export const benchCommand: Command = {
  name: 'bench',
  summary: 'throughput of the WORKLOADS.md workloads, fast and reference kernels (one JSON line first)',
  usage: 'loom bench [--threads N] [--no-ref] [--only KEY,...] [--profile] [--browser]',
  options: {
    threads: { type: 'string' },
    backend: { type: 'string' },
    only: { type: 'string' },
    'no-ref': { type: 'boolean' },
    profile: { type: 'boolean' },
    quick: { type: 'boolean' },
    browser: { type: 'boolean' },
  },
  help: {
    threads: `threads of the fast kernels, counting the main one (default ${availableParallelism()}, the cores)`,
    backend: "'wasm' (default) or 'reference': run one side only, JSON keys without suffix",
    only: `a comma-separated subset of ${BENCH_KEYS.slice(0, -1).join(', ')} (the reference kernels run gpt_large_train_tok_s only when named here: minutes a step)`,
    'no-ref': 'skip the reference kernels (their keys are null)',
    profile: 'after the figures, time every kernel of one LSTM, one GPT and one CNN training step',
    quick: 'fewer repetitions (the reference counts), for a rough figure',
    browser: 'measure inside headless Chromium instead (Web Workers on every core; the reference keys are null)',
  },
  async run(values) {
    const threads = num(values, 'threads', availableParallelism(), { int: true, min: 1 });
    const side = (values.backend as string | undefined) ?? 'both';
    if (!['both', 'wasm', 'reference'].includes(side)) throw new UsageError(`--backend must be 'wasm' or 'reference', got '${side}'`);
    const only = values.only ? new Set(String(values.only).split(',')) : null;
    for (const k of only ?? []) if (!(BENCH_KEYS as readonly string[]).includes(k)) throw new UsageError(`--only: unknown key '${k}'; keys: ${BENCH_KEYS.join(', ')}`);
    const details: string[] = [];
    const log = (s: string) => details.push(s);
    if (values.browser) {
      const run = await benchInBrowser(only && [...only], values.quick === true);
      const ceiling = ceilingOf(run.peak, run.raw, (s) => run.details.push(s));
      console.log(JSON.stringify({ ...run.figures, ...ceiling, ...fmtFigures(emptyFigures(), '_ref') }));
      console.log(`fast kernels: ${run.where}`);
      run.details.forEach((d) => console.log(d));
      return 0;
    }

    if (side === 'reference') {
      setBackend(referenceBackend);
      // the large GPT's one step takes minutes here (211 s, 9.7 tok/s, on a 2-core AMD EPYC): only when asked for by --only
      const asked = only ?? new Set<string>(BENCH_KEYS.filter((k) => k !== 'gpt_large_train_tok_s'));
      console.log(JSON.stringify(fmtFigures(await runAll(SLOW, asked, log, rssMB))));
      details.forEach((d) => console.log(d));
      return 0;
    }
    // the backend installed at start-up when it has the thread count asked for, else one of our own
    const previous: Backend = backend();
    const installed = 'pool' in previous && (previous as WasmBackend).threads === threads;
    const fast = installed ? (previous as WasmBackend) : await createWasmBackend({ threads });
    let figures: Figures;
    let ceiling: Record<string, string | number | null>;
    setBackend(fast);
    try {
      log(`fast kernels: ${fast.name}, ${fast.simd} SIMD (${fast.simd === 'relaxed' ? 'loom-relaxed.wasm' : 'loom.wasm'})`);
      figures = await runAll(values.quick ? SLOW : FAST, only, log, rssMB);
      ceiling = ceilingOf(simdPeak(fast), figures, log);
      if (values.profile) profile(log);
    } finally {
      setBackend(previous);
      if (!installed) await fast.close();
    }
    if (side === 'wasm') {
      console.log(JSON.stringify({ ...fmtFigures(figures), ...ceiling }));
      details.forEach((d) => console.log(d));
      return 0;
    }
    let ref: Record<string, number | null> = fmtFigures(emptyFigures(), '_ref');
    if (!values['no-ref']) {
      const bin = fileURLToPath(new URL('../../../bin/loom.js', import.meta.url));
      const args = [bin, 'bench', '--backend', 'reference', ...(values.only ? ['--only', String(values.only)] : [])];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, LOOM_BACKEND: 'reference' } });
      if (child.status !== 0) throw new Error(`bench: the reference run failed (exit ${child.status}):\n${child.stderr}`);
      const [first, ...rest] = child.stdout.trim().split('\n');
      const parsed = JSON.parse(first) as Record<string, number | null>;
      ref = Object.fromEntries(BENCH_KEYS.map((k) => [`${k}_ref`, parsed[k]]));
      log('reference kernels (child process):');
      rest.forEach((l) => log(`  ${l}`));
    }
    console.log(JSON.stringify({ ...fmtFigures(figures), ...ceiling, ...ref }));
    details.forEach((d) => console.log(d));
    return 0;
  },
};
