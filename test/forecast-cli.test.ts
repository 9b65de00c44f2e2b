// The forecast task on the command line: train, eval, forecast with a plot, resume, and refusals of bad CSVs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const LOOM = fileURLToPath(new URL('../../bin/loom.js', import.meta.url));
const loom = (...args: string[]) => spawnSync(process.execPath, [LOOM, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, LOOM_THREADS: '1' } });
const dir = mkdtempSync(join(tmpdir(), 'loom-forecast-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 200 days from 2021-01-01 with a weekly pattern, as `day,count` rows with an extra column. */
function csv(rows = 200): string {
  const lines = ['day,note,count'];
  for (let i = 0; i < rows; i++) lines.push(`${new Date(Date.UTC(2021, 0, 1 + i)).toISOString().slice(0, 10)},x,${100 + (i % 7 < 5 ? 10 : -20) + Math.round(10 * Math.sin(i))}`);
  return lines.join('\n') + '\n';
}
const data = join(dir, 'series.csv');
writeFileSync(data, csv());
const small = ['--data', data, '--date', 'day', '--value', 'count', '--test-days', '20', '--val-days', '20', '--horizon', '5'];

test('loom train --task forecast (gru), then eval prints a MASE line per forecaster and forecast prints dates', () => {
  const out = join(dir, 'gru');
  const t = loom('train', '--task', 'forecast', '--model', 'gru', ...small, '--hidden', '8', '--window', '14', '--batch', '4', '--steps', '6', '--eval-every', '3', '--out', out);
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /model: gru \(hidden 8, layers 1, cell gru, covariates 20\)/);
  assert.match(t.stdout, /data: .*series.csv, 200 days; train 160, validation 20, test 20; horizon 5/);
  assert.match(t.stdout, /test MASE \d+\.\d{3}/);
  const e = loom('eval', '--checkpoint', out);
  assert.equal(e.status, 0, e.stderr);
  const lines = e.stdout.trim().split('\n').slice(1);
  assert.deepEqual(lines.map((l) => l.split(/\s+/)[0]), ['gru', 'naive', 'seasonal-naive', 'ar']);
  for (const l of lines) assert.match(l, /^\S+\s+MASE \d+\.\d{3}  sMAPE \d+\.\d{2}%$/);
  const plot = join(dir, 'gru.svg');
  const f = loom('forecast', '--checkpoint', out, '--horizon', '3', '--plot', plot);
  assert.equal(f.status, 0, f.stderr);
  const rows = f.stdout.trim().split('\n');
  assert.equal(rows[0], 'date,value');
  assert.deepEqual(rows.slice(1).map((r) => r.split(',')[0]), ['2021-07-20', '2021-07-21', '2021-07-22']);
  for (const r of rows.slice(1)) assert.ok(Number.isFinite(Number(r.split(',')[1])), r);
  const svg = readFileSync(plot, 'utf8');
  assert.match(svg, /^<svg /);
  assert.match(svg, /forecast \(backtest\)/);
  assert.match(svg, /role-legend/, 'the plot has a legend naming its three lines');
});

test('ar from least squares: resumed to more steps, the same data; a changed file is refused', () => {
  const out = join(dir, 'ar');
  const a = loom('train', '--task', 'forecast', '--model', 'ar', '--p', '7', ...small, '--steps', '2', '--out', out);
  assert.equal(a.status, 0, a.stderr);
  assert.match(a.stdout, /from least-squares/);
  const r = loom('train', '--out', out, '--resume', '--steps', '4');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /resuming from step 2/);
  // the run's ar and the ar baseline are told apart in the table
  const table = loom('eval', '--checkpoint', out);
  assert.equal(table.status, 0, table.stderr);
  assert.deepEqual(table.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s{2,}/)[0]), ['ar (this run)', 'naive', 'seasonal-naive', 'ar']);
  writeFileSync(data, csv().replace(/,x,1(\d\d)\n/, ',x,9$1\n'));
  const changed = loom('eval', '--checkpoint', out);
  assert.equal(changed.status, 1);
  assert.match(changed.stderr, /^loom: the data file '.*series.csv' has changed since checkpoint/);
  writeFileSync(data, csv());
});

test('bad CSVs and short series are refused in one sentence naming the line', () => {
  const bad = join(dir, 'bad.csv');
  const refuse = (text: string, pattern: RegExp, ...extra: string[]) => {
    writeFileSync(bad, text);
    const r = loom('train', '--task', 'forecast', '--model', 'markov', '--data', bad, '--date', 'day', '--value', 'count', '--out', join(dir, 'bad'), ...extra);
    assert.equal(r.status, 1, r.stdout);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  };
  refuse(csv(10).replace('2021-01-05', '2021-01-04'), /^loom: data file '.*bad.csv' line 6: the date 2021-01-04 appears twice/);
  refuse(csv(10).replace('2021-01-05', '2021-01-06'), /^loom: data file '.*bad.csv' line 6: 1 day missing between 2021-01-04 and 2021-01-06/);
  refuse(csv(10).replace(/2021-01-04,x,\d+/, '2021-01-04,x,'), /line 5: the value of 2021-01-04 is missing/);
  refuse(csv(10), /^loom: data '.*bad.csv' is too short for the window: it has 10 days/);
  assert.equal(existsSync(join(dir, 'bad', 'checkpoint')), false);
  const noCols = loom('train', '--task', 'forecast', '--data', data);
  assert.match(noCols.stderr, /needs --date COLUMN and --value COLUMN/);
});

test("loom export of a forecast checkpoint: ONNX Runtime's recursive forecast, denormalised with the file's metadata, is loom forecast's", async () => {
  const ort = await import('onnxruntime-node');
  const { decodeModel } = await import('../src/export/onnx/index.js');
  const file = join(dir, 'ar.onnx');
  const e = loom('export', '--checkpoint', join(dir, 'ar'), '--format', 'onnx', '--out', file);
  assert.equal(e.status, 0, e.stderr);
  assert.match(e.stdout, /\(forecast ar, ONNX opset 17, [\d.]+ KiB\): rows \(batch, 7\) -> forecast \(batch\)/);
  const meta = Object.fromEntries(decodeModel(readFileSync(file)).metadata_props.map((p) => [p.key, p.value]));
  const { mean, std } = JSON.parse(meta.normalisation) as { mean: number; std: number };
  const z = csv().trim().split('\n').slice(1).map((l) => (Number(l.split(',')[2]) - mean) / std);
  const session = await ort.InferenceSession.create(file);
  const got: number[] = [];
  for (let h = 0; h < 3; h++) {
    const rows = Float32Array.from({ length: 7 }, (_, k) => z[z.length - 1 - k]); // z_{t-1} .. z_{t-7}
    const next = ((await session.run({ rows: new ort.Tensor('float32', rows, [1, 7]) })).forecast.data as Float32Array)[0];
    z.push(next);
    got.push(next * std + mean);
  }
  await session.release();
  const f = loom('forecast', '--checkpoint', join(dir, 'ar'), '--horizon', '3');
  assert.equal(f.status, 0, f.stderr);
  const want = f.stdout.trim().split('\n').slice(1).map((r) => Number(r.split(',')[1]));
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 0.051, `day ${i + 1}: ONNX ${v.toFixed(3)}, loom forecast ${want[i]}`));
  const t = loom('export', '--checkpoint', join(dir, 'gru'), '--format', 'pytorch', '--out', join(dir, 'gru-pt'));
  assert.equal(t.status, 0, t.stderr);
  const config = JSON.parse(readFileSync(join(dir, 'gru-pt', 'config.json'), 'utf8'));
  assert.deepEqual([config.task, config.model, config.window, config.levelDays, config.covariates.length], ['forecast', 'gru', 14, 7, 20]);
});
