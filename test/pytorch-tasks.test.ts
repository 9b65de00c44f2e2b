/**
 * PyTorch export of the g2p, forecast and fashion-mnist models: each model.py, run by python3 with torch
 * (skipped with a message when there is none), loads its OUT with load(OUT) and its outputs equal Loom's
 * to 1e-4 for two batch sizes (and two lengths where there is one); model.greedy decodes as loom
 * predict, model.forecast forecasts recursively as the forecast task does.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import '../src/node.js';
import { noGrad } from '../src/core/autograd.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import type { Tensor } from '../src/core/tensor.js';
import { moduleWeights } from '../src/export/onnx/index.js';
import { forecasterToPyTorch, g2pToPyTorch, imageModelToPyTorch } from '../src/export/pytorch/index.js';
import type { LatentAR } from '../src/models/forecast/latent-ar.js';
import { makeSource } from '../src/tasks/g2p/batch.js';
import { G2PPredictor } from '../src/tasks/g2p/predictor.js';
import { normalValues } from './helpers/backends.js';
import { assertClose } from './helpers/close.js';
import { torchPython, torchSkip } from './helpers/python.js';
import { CLASSES, LETTERS, PHONEMES, PIXEL_MEAN, PIXEL_STD, randomForecastModel, randomG2P, randomImageModel, randomPixels, TINY_FORECAST, TINY_G2P, TINY_IMAGE, TINY_SWIN_WITHOUT_STEM } from './helpers/task-models.js';

const work = mkdtempSync(join(tmpdir(), 'loom-pytorch-tasks-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** An argument of a call: a tensor (float32 or int64), or a tuple of them (an LSTM's state). */
type Arg = { dtype: 'f32' | 'i64'; shape: number[]; data: number[] } | Arg[];

/**
 * For each job: load(dir), then net(*args) for every call, the outputs (tensors, tuples flattened)
 * as lists; model.greedy and model.forecast when asked. Results in dir/results.json.
 */
const DRIVER = `
import json, sys, importlib.util, torch
torch.set_num_threads(1)
def arg(a):
    if isinstance(a, list):
        return tuple(arg(x) for x in a)
    return torch.tensor(a['data'], dtype=torch.float32 if a['dtype'] == 'f32' else torch.int64).view(a['shape'])
def flat(o):
    return [t for x in o for t in flat(x)] if isinstance(o, (tuple, list)) else [o.reshape(-1).tolist()]
for n, job in enumerate(json.load(open(sys.argv[1]))):
    spec = importlib.util.spec_from_file_location(f'model_{n}', job['dir'] + '/model.py')
    model = importlib.util.module_from_spec(spec); spec.loader.exec_module(model)
    net, meta = model.load(job['dir'])
    res = {'outputs': []}
    with torch.no_grad():
        for call in job['calls']:
            res['outputs'].append(flat(net(*[arg(a) for a in call])))
    if 'greedy' in job:
        res['greedy'] = model.greedy(net, meta, job['greedy'])
    if 'forecast' in job:
        f = job['forecast']
        cov = torch.tensor(f['cov'], dtype=torch.float32).view(-1, 3)
        res['forecast'] = model.forecast(net, meta, f['z'], cov, f['horizon'])
    json.dump(res, open(job['dir'] + '/results.json', 'w'))
`;

interface Job {
  dir: string;
  calls: Arg[][];
  greedy?: string[];
  forecast?: { z: number[]; cov: number[]; horizon: number };
  /** Loom's outputs of each call, flattened as the driver flattens them. */
  want: Tensor[][];
  check?: (results: { greedy?: string[][]; forecast?: number[] }) => void;
}

const f32 = (data: ArrayLike<number>, shape: number[]): Arg => ({ dtype: 'f32', shape, data: Array.from(data) });
const i64 = (data: ArrayLike<number>, shape: number[]): Arg => ({ dtype: 'i64', shape, data: Array.from(data) });

function writeExport(name: string, files: Map<string, Uint8Array>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, bytes] of files) writeFileSync(join(dir, file), bytes);
  return dir;
}

function imageJobs(gen: Generator): Job[] {
  const cases = [...Object.entries(TINY_IMAGE).map(([name, config]) => [name, name, config] as const), ['swin-without-stem', 'swin', TINY_SWIN_WITHOUT_STEM] as const];
  return cases.map(([label, name, config], n) => {
    const model = randomImageModel(name, 30 + n, config);
    const dir = writeExport(`image-${label}`, imageModelToPyTorch({ model: name, config, weights: moduleWeights(model), classes: CLASSES, mean: PIXEL_MEAN, std: PIXEL_STD }));
    const pixels = [1, 3].map((B) => [B, randomPixels(gen, B)] as const);
    return {
      dir,
      calls: pixels.map(([B, px]) => [f32(px, [B, 1, 28, 28])]),
      want: pixels.map(([B, px]) => [noGrad(() => model.forward(fromArray(px.map((v) => (v - PIXEL_MEAN) / PIXEL_STD), [B, 1, 28, 28])))]),
    };
  });
}

function forecastJobs(gen: Generator): Job[] {
  return Object.keys(TINY_FORECAST).map((name, n) => {
    const fm = randomForecastModel(name, 40 + n);
    const stats = { mean: 10, std: 2 };
    const dir = writeExport(`forecast-${name}`, forecasterToPyTorch({ model: name, config: TINY_FORECAST[name], weights: moduleWeights(fm.module), stats, window: 8, levelDays: 7, covariateNames: ['a', 'b', 'c'] }));
    const calls: Arg[][] = [];
    const want: Tensor[][] = [];
    if (!fm.recurrent) {
      const d = (name === 'ar' ? 5 : 1) + 3;
      for (const B of [1, 3]) {
        const rows = normalValues(gen, B * d);
        calls.push([f32(rows, [B, d])]);
        want.push([noGrad(() => (fm.module as unknown as { forward(x: Tensor): Tensor }).forward(fromArray(rows, [B, d])))]);
      }
    } else {
      for (const [B, T] of [[1, 1], [3, 6]]) {
        const u = normalValues(gen, B * T * 4);
        const [h0, c0] = [normalValues(gen, 2 * B * 6, 0.5), normalValues(gen, 2 * B * 6, 0.5)];
        const lstm = name === 'lstm';
        calls.push([f32(u, [B, T, 4]), lstm ? [f32(h0, [2, B, 6]), f32(c0, [2, B, 6])] : f32(h0, [2, B, 6])]);
        const state = lstm ? ([fromArray(h0, [2, B, 6]), fromArray(c0, [2, B, 6])] as [Tensor, Tensor]) : fromArray(h0, [2, B, 6]);
        const [y, next] = noGrad(() => (fm.module as LatentAR).forward(fromArray(u, [B, T, 4]), state));
        want.push([y, ...(Array.isArray(next) ? next : [next])]);
      }
    }
    const N = 20;
    const H = 5;
    const z = Float64Array.from(normalValues(gen, N));
    const cov = normalValues(gen, (N + H + 1) * 3);
    const loom = fm.forecast({ z, cov, width: 3, stats }, [N - 1], H, 8);
    return {
      dir, calls, want,
      forecast: { z: Array.from(z), cov: Array.from(cov), horizon: H },
      check: (r) => assertClose(Float32Array.from(r.forecast!), Float32Array.from(loom), { rtol: 1e-4, atol: 1e-4 }, `${name}: model.forecast`),
    };
  });
}

function g2pJobs(gen: Generator): Job[] {
  return Object.keys(TINY_G2P).map((name, n) => {
    const model = randomG2P(name, 50 + n);
    const dir = writeExport(`g2p-${name}`, g2pToPyTorch({ model: name, config: TINY_G2P[name], weights: moduleWeights(model), letters: LETTERS.symbols, phonemes: PHONEMES.symbols, maxLetters: 6 }));
    const calls: Arg[][] = [];
    const want: Tensor[][] = [];
    for (const [B, S, T] of [[1, 3, 1], [3, 5, 4]]) {
      const words = Array.from({ length: B }, (_, b) => Int32Array.from({ length: b === 0 ? S : 1 + Math.floor(gen.uniform() * S) }, () => 1 + Math.floor(gen.uniform() * (LETTERS.size - 1))));
      const { src, srcPad } = makeSource(words);
      const tgt = Int32Array.from({ length: B * T }, (_, i) => (i % T === 0 ? 1 : 3 + Math.floor(gen.uniform() * (PHONEMES.size - 3))));
      calls.push([i64(src.toArray(), [B, S]), i64(tgt, [B, T])]);
      want.push([noGrad(() => model.forward(src, srcPad, fromArray(tgt, [B, T], { dtype: 'int32' })))]);
    }
    const words = ['CAB', 'BAD', 'FEED', 'G'];
    const loom = new G2PPredictor(model, LETTERS, PHONEMES, { maxLetters: 6 }).predict(words).map((p) => p.hypotheses[0].phonemes);
    return { dir, calls, want, greedy: words, check: (r) => assert.deepEqual(r.greedy, loom, `${name}: model.greedy`) };
  });
}

describe('PyTorch export of the g2p, forecast and image models, run by PyTorch', { skip: torchSkip() }, () => {
  test("every model.py loads its export; outputs equal Loom's for two batch sizes (and lengths); greedy and forecast as Loom's", () => {
    const gen = new Generator(12);
    const jobs = [...imageJobs(gen), ...forecastJobs(gen), ...g2pJobs(gen)];
    writeFileSync(join(work, 'jobs.json'), JSON.stringify(jobs.map(({ dir, calls, greedy, forecast }) => ({ dir, calls, greedy, forecast }))));
    writeFileSync(join(work, 'driver.py'), DRIVER);
    const r = spawnSync(torchPython()!, [join(work, 'driver.py'), join(work, 'jobs.json')], { encoding: 'utf8' });
    assert.equal(r.status, 0, `python3 failed:\n${r.stderr}`);
    for (const job of jobs) {
      const results = JSON.parse(readFileSync(join(job.dir, 'results.json'), 'utf8'));
      job.want.forEach((outs, i) => {
        assert.equal(results.outputs[i].length, outs.length, `${job.dir}: outputs of call ${i}`);
        outs.forEach((t, k) => assertClose(Float32Array.from(results.outputs[i][k]), t, { rtol: 1e-4, atol: 1e-4 }, `${job.dir}: call ${i}, output ${k}`));
      });
      job.check?.(results);
    }
  });
});
