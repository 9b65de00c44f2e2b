/**
 * The playground's inspectors of the models beside the char-lm ones (src/inspect/): a G2P model's
 * alignment, a forecaster's backtest and forecast, a ViT's attention over an image's patches, each
 * checked against the library function it stands on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { noGrad } from '../src/core/autograd.js';
import { fromArray } from '../src/core/creation.js';
import { Generator } from '../src/core/random.js';
import { dayNumber, isoDate, type DailySeries } from '../src/data/series.js';
import { SymbolVocab } from '../src/data/symbol-vocab.js';
import { CharVocab } from '../src/data/vocab.js';
import { inspectors, type AlignmentData, type ForecastData, type InspectContext, type PatchesData } from '../src/inspect/index.js';
import { LSTMAttention } from '../src/models/lstm-attention.js';
import { ViT } from '../src/models/vision/vit.js';
import { vitAttention } from '../src/models/vision/vit-attention.js';
import { ForecastTask } from '../src/tasks/forecast/task.js';
import { G2PPredictor } from '../src/tasks/g2p/predictor.js';
import { randomModel } from './helpers/char-lms.js';
import { assertClose } from './helpers/close.js';

const base = (): InspectContext => ({ model: randomModel('lstm', 1), modelName: 'lstm', vocab: new CharVocab('abcdefghij\n'), text: 'abc\ndefghij\n' });
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('alignment', () => {
  test("the G2P model's attention, output steps x letters, rows summing to 1, as the predictor returns it", async () => {
    const letters = SymbolVocab.build('ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''), { bos: false });
    const phones = SymbolVocab.build(['AA', 'B', 'K', 'L', 'M', 'UW'], { bos: true });
    const model = new LSTMAttention({ srcVocabSize: letters.size, tgtVocabSize: phones.size, embed: 8, hidden: 12, attention: 10, dropout: 0 });
    const g2p = new G2PPredictor(model, letters, phones, { maxLetters: 12 });
    const d = (await inspectors.alignment({ ...base(), g2p }, { word: 'loom' })) as AlignmentData;
    assert.deepEqual(d.letters, ['L', 'O', 'O', 'M']);
    assert.deepEqual(d.outputs, d.ended ? [...d.phonemes, '</s>'] : d.phonemes);
    assert.equal(d.weights.length, d.outputs.length);
    for (const row of d.weights) {
      assert.equal(row.length, 4);
      assertClose(sum(row), 1, 1e-5);
    }
    const [p] = g2p.predict(['loom'], { attention: true });
    assert.deepEqual(d.phonemes, p.hypotheses[0].phonemes);
    assertClose(d.weights.flat(), p.hypotheses[0].attention!.flatMap((r) => Array.from(r)), 0);
    await assert.rejects(async () => inspectors.alignment({ ...base(), g2p }, { word: 'l00m' }), /letters? the model never saw: '0'/);
    await assert.rejects(async () => inspectors.alignment(base(), {}), /needs a grapheme-to-phoneme model/);
  });
});

describe('forecast', () => {
  test("the last days, a backtest beside the actuals and the forecast ahead, as the task's forecaster makes them", async () => {
    const g = new Generator(7);
    const values = Float64Array.from({ length: 300 }, (_, i) => 1000 + (i % 7 >= 5 ? -150 : 20 * (i % 7)) + (g.uniform() - 0.5) * 40);
    const series: DailySeries = { name: 'synthetic', start: dayNumber(2000, 1, 3), values };
    const config = { data: 'synthetic', date: 'date', value: 'value', dataHash: '', testDays: 30, valDays: 30, horizon: 7, covariates: false, fit: 'least-squares' as const, batch: 0, window: 7 };
    const task = new ForecastTask({ series, config, model: 'ar', modelConfig: { p: 7, covariates: 0 }, seed: 0 });
    task.createModel();
    const d = (await inspectors.forecast({ ...base(), forecast: task }, { days: 60 })) as ForecastData;
    assert.deepEqual([d.series, d.model, d.horizon, d.actual.values.length], ['synthetic', 'ar', 7, 60]);
    assert.deepEqual(d.actual.values, Array.from(values.subarray(240)));
    assert.equal(d.actual.dates[59], isoDate(series.start + 299));
    assert.deepEqual(d.backtest.values, Array.from(task.forecaster().forecast([299 - 7], 7)));
    assert.deepEqual(d.backtest.actual, Array.from(values.subarray(293, 300)));
    assert.deepEqual(d.backtest.dates, d.actual.dates.slice(-7));
    const ahead = task.forecastAhead(7);
    assert.deepEqual(d.ahead, { dates: ahead.dates, values: Array.from(ahead.values) });
    await assert.rejects(async () => inspectors.forecast(base(), {}), /needs a forecasting model/);
  });
});

describe('patches', () => {
  test("the class token's attention per head and the rollout over the patches, as vitAttention computes them", async () => {
    const vit = new ViT({ imageSize: 8, patchSize: 4, dim: 8, depth: 2, heads: 2, mlpDim: 16 }, { generator: new Generator(3) });
    const g = new Generator(4);
    const image = Array.from({ length: 64 }, () => g.uniform());
    const classes = Array.from({ length: 10 }, (_, i) => `class ${i}`);
    const d = (await inspectors.patches({ ...base(), vit: { model: vit, classes } }, { image })) as PatchesData;
    assert.deepEqual([d.imageSize, d.patchSize, d.grid, d.heads.length, d.heads[0].length, d.rollout.length, d.classes?.length], [8, 4, 2, 2, 2, 2, 10]);
    vit.eval();
    const maps = vitAttention(vit, fromArray(Float32Array.from(image), [1, 1, 8, 8]));
    assertClose(d.heads.flat(2), maps.clsAttention.toArray(), 1e-6);
    assertClose(d.rollout.flat(), maps.rollout.toArray(), 1e-6);
    assertClose(sum(d.rollout.flat()), 1, 1e-5);
    assertClose(sum(d.probs), 1, 1e-5);
    assert.equal(d.predicted, d.probs.indexOf(Math.max(...d.probs)));
    assertClose(d.image.flat(), Float32Array.from(image), 0);
    await assert.rejects(async () => inspectors.patches({ ...base(), vit: { model: vit } }, { image: [1, 2] }), /image must be 64 numbers/);
    const fresh = noGrad(() => inspectors.patches(base(), {})) as PatchesData;
    assert.deepEqual([fresh.source, fresh.imageSize, fresh.grid, fresh.heads.length], ['a fresh untrained ViT (no ViT was given)', 28, 4, 4]);
  });
});
