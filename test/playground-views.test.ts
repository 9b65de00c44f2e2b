/**
 * The playground's views in headless Chromium: a small page, web/src/views bundled by esbuild and the
 * library as built (dist/src/index.js), trains a tiny LSTM, GPT and linear GPT for a few steps, calls every inspector in the
 * page (and for the alignment, forecast and patches views an untrained G2P model, an AR forecaster
 * fitted to a synthetic series and an untrained ViT) and draws every view. Each view must draw (a non-empty canvas or svg, `data-state="drawn"`), its
 * values must be right (the gradient-flow data equal `gradientFlow` for the same model and text; the
 * attention rows sum to 1 with the masked entries 0; the sampling distributions sum to 1), and a PNG of
 * each view is written to test-output/playground/ for a reviewer (rasterised in the page from its
 * canvases and SVGs: page.screenshot() hangs on this machine).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { build } from 'esbuild';
import { browserMissing, launchChromium, type Browser } from './browser/chromium.js';
import { startServer, type TestServer } from './browser/server.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(REPO, 'test-output', 'playground');

/** The page: trains three tiny models, draws every view, rasterises each one, and leaves it all in `window.result`. */
const MAIN = `
import {
  findModel, CharVocab, F, optim, fromArray, inspectors, nn, Generator, dayNumber,
  LSTMAttention, SymbolVocab, G2PPredictor, ForecastTask, ViT,
} from '/dist/src/index.js';
import { VIEWS } from ${JSON.stringify(join(REPO, 'web/src/views/index.ts'))};
import { snapshot } from ${JSON.stringify(join(REPO, 'web/src/views/snapshot.ts'))};

const importedAt = performance.now();
const text = ${JSON.stringify(
  'Call me Ishmael. Some years ago, never mind how long precisely, having little or no money in my purse, ' +
    'and nothing particular to interest me on shore, I thought I would sail about a little and see the watery part of the world.\n',
)};
const vocab = new CharVocab(text);
const V = vocab.size;
const ids = vocab.encode(text);

/** A few Adam steps on windows of the text, so the pictures are of a model that has learnt a little. */
function tiny(name, config, steps, T) {
  const lm = findModel(name).create({ vocabSize: V, ...config });
  const opt = new optim.Adam(lm.module.parameters(), { lr: 0.01 });
  for (let s = 0; s < steps; s++) {
    const at = (s * 37) % (ids.length - T - 1);
    const x = fromArray(ids.slice(at, at + T), [1, T], { dtype: 'int32' });
    const y = fromArray(ids.slice(at + 1, at + T + 1), [T], { dtype: 'int32' });
    const [logits] = lm.forward(x, lm.zeroState(1));
    const loss = F.crossEntropy(logits.reshape(T, V), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
  }
  return lm;
}

const tTrain = performance.now();
const lstm = tiny('lstm', { cell: 'lstm', embed: 16, hidden: 32, layers: 1, dropout: 0 }, 12, 32);
const gpt = tiny('gpt', { blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 32, dropout: 0, tiedHead: false, bias: true, init: 'pytorch' }, 12, 32);
const linear = tiny('linear-gpt', { blockSize: 32, nLayer: 2, nHead: 2, nEmbd: 32, tiedHead: true }, 12, 32);
const trainMs = performance.now() - tTrain;
const ctx = (model, modelName, others) => ({ model, modelName, vocab, text, others });
// the models of the other tasks: an (untrained) G2P model, an AR forecaster fitted by least squares, a ViT
const letters = SymbolVocab.build('ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''), { bos: false });
const phones = SymbolVocab.build(['AA', 'AH', 'D', 'EY', 'G', 'L', 'N', 'P', 'R', 'UW', 'AW'], { bos: true });
const g2p = new G2PPredictor(new LSTMAttention({ srcVocabSize: letters.size, tgtVocabSize: phones.size, embed: 8, hidden: 12, attention: 10, dropout: 0 }), letters, phones, { maxLetters: 12 });
const g = new Generator(7);
const series = { name: 'synthetic births', start: dayNumber(1987, 1, 1), values: Float64Array.from({ length: 400 }, (_, i) => 10000 + (i % 7 >= 5 ? -1500 : 200 * (i % 7)) + 800 * Math.sin(i / 58) + (g.uniform() - 0.5) * 400) };
const forecast = new ForecastTask({
  series, model: 'ar', modelConfig: { p: 14, covariates: 0 }, seed: 0,
  config: { data: 'synthetic', date: 'date', value: 'value', dataHash: '', testDays: 30, valDays: 30, horizon: 14, covariates: false, fit: 'least-squares', batch: 0, window: 14 },
});
forecast.createModel();
const vit = { model: new ViT({}, { generator: new Generator(1) }), classes: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'] };
const contexts = {
  'gradient-flow': ctx(lstm, 'lstm'),
  gates: ctx(lstm, 'lstm'),
  attention: ctx(gpt, 'gpt', { 'linear-gpt': linear }),
  'positional-encoding': ctx(gpt, 'gpt'),
  sampling: ctx(gpt, 'gpt'),
  alignment: { ...ctx(lstm, 'lstm'), g2p },
  forecast: { ...ctx(lstm, 'lstm'), forecast },
  patches: { ...ctx(lstm, 'lstm'), vit },
};
const params = {
  'gradient-flow': { length: 48 },
  gates: { length: 48, unit: 1 },
  attention: { prompt: 'Call me Ishmael.' },
  'positional-encoding': { length: 32 },
  sampling: { prompt: 'Call me', steps: 8, temperature: 0.8, topK: 10, topP: 0.9 },
  alignment: { word: 'playground' },
  forecast: { days: 90 },
  patches: {},
};

const result = { views: {}, expected: {}, ms: {} };
const t0 = performance.now();
try {
  for (const view of VIEWS) {
    const el = document.createElement('div');
    el.style.width = '600px';
    el.dataset.testid = 'view-' + view.name;
    document.body.append(el);
    const t = performance.now();
    const data = await inspectors[view.name](contexts[view.name], params[view.name]);
    result.ms[view.name + ' inspect'] = performance.now() - t;
    view.draw(el, data);
    result.ms[view.name + ' draw'] = performance.now() - t;
    const marks = [...el.querySelectorAll('canvas, svg')];
    result.views[view.name] = {
      data,
      state: el.dataset.state,
      marks: marks.length,
      nonEmpty: marks.filter((m) => (m instanceof HTMLCanvasElement ? m.width * m.height > 0 : m.childElementCount > 2)).length,
      png: await snapshot(el),
    };
  }
  // what the library's gradientFlow gives for the live LSTM on the same window
  const d = result.views['gradient-flow'].data;
  lstm.module.eval();
  const x = lstm.module.embedding.forward(fromArray(vocab.encode(d.text), [d.T], { dtype: 'int32' })).detach();
  result.expected.lstmFlow = nn.gradientFlow(lstm.module.rnn, x);
} catch (e) {
  result.error = String(e && e.stack || e);
}
result.ms.train = trainMs;
result.ms.imported = importedAt;
result.ms.all = performance.now() - t0;
window.result = result;
`;

describe('the playground views in Chromium', { skip: browserMissing() }, () => {
  const app = mkdtempSync(join(tmpdir(), 'loom-views-'));
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    const t0 = Date.now();
    // the views bundled from their TypeScript; the library loaded as built (dist/), as the test server serves it
    mkdirSync(join(app, 'out'));
    writeFileSync(join(app, 'out', 'index.html'), '<!doctype html><meta charset="utf-8"><title>views</title><body><script type="module" src="main.js"></script>');
    writeFileSync(join(app, 'main.js'), MAIN);
    await build({ entryPoints: [join(app, 'main.js')], outfile: join(app, 'out', 'main.js'), bundle: true, format: 'esm', target: 'es2022', external: ['/dist/*'], logLevel: 'silent' });
    server = await startServer({ '/app/': join(app, 'out') });
    browser = await launchChromium();
    console.log(`built and launched in ${Date.now() - t0} ms`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(app, { recursive: true, force: true });
  });

  test('every view draws from the live models, with the right values, and a PNG of each is written', async () => {
    const log: string[] = [];
    const started = Date.now();
    const page = await browser.open('about:blank', (line) => log.push(line));
    await page.goto(`${server.origin}/app/index.html`);
    await page.waitForFunction(() => (window as unknown as { result?: unknown }).result !== undefined, null, { timeout: 60_000 });
    const r = (await page.evaluate(() => (window as unknown as { result: unknown }).result)) as {
      error?: string;
      views: Record<string, { data: any; state: string; marks: number; nonEmpty: number; png: string }>;
      expected: { lstmFlow: number[] };
    };
    await page.close();
    console.log(`page ${Date.now() - started} ms; in the page: ${JSON.stringify((r as unknown as { ms: unknown }).ms)}`);
    assert.equal(r.error, undefined, `${r.error}\n${log.join('\n')}`);
    assert.ok(!log.some((l) => l.startsWith('[page error]')), log.join('\n'));
    assert.deepEqual(Object.keys(r.views), ['gradient-flow', 'gates', 'attention', 'positional-encoding', 'sampling', 'alignment', 'forecast', 'patches']);
    mkdirSync(OUT, { recursive: true });
    for (const [name, v] of Object.entries(r.views)) {
      assert.equal(v.state, 'drawn', name);
      assert.ok(v.marks > 0 && v.nonEmpty === v.marks, `${name}: ${v.nonEmpty} of ${v.marks} canvases and svgs drawn`);
      const png = Buffer.from(v.png.replace(/^data:image\/png;base64,/, ''), 'base64');
      assert.ok(png.length > 2000 && png.subarray(1, 4).toString() === 'PNG', `${name}: a PNG`);
      writeFileSync(join(OUT, `${name}.png`), png);
    }
    // the values: gradient flow is the library's, attention rows are distributions under the causal mask
    const flow = r.views['gradient-flow'].data;
    const live = flow.nets.find((n: { source: string }) => n.source === 'live');
    assert.equal(live.cell, 'lstm');
    assert.deepEqual(live.norms, r.expected.lstmFlow);
    const att = r.views.attention.data;
    assert.deepEqual(att.panels.map((p: { kind: string; source: string }) => [p.kind, p.source]), [['softmax', 'live gpt'], ['linear', 'linear-gpt']]);
    for (const p of att.panels)
      for (const heads of p.layers)
        for (const w of heads)
          w.forEach((row: number[], t: number) => {
            assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-5, `${p.kind} row ${t} sums to 1`);
            assert.ok(row.slice(t + 1).every((x) => x === 0), `${p.kind} row ${t} is masked past t`);
          });
    for (const s of r.views.sampling.data.steps)
      for (const st of s.stages) assert.ok(Math.abs(st.probs.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-9, st.name);
    assert.equal(r.views.gates.data.source, 'live');
    assert.equal(r.views['positional-encoding'].data.learned.matrix.length, 32);
    for (const row of r.views.alignment.data.weights) assert.ok(Math.abs(row.reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5, 'alignment rows sum to 1');
    assert.equal(r.views.forecast.data.ahead.values.length, 14);
    assert.ok(Math.abs(r.views.patches.data.rollout.flat().reduce((a: number, b: number) => a + b, 0) - 1) < 1e-5, 'the rollout sums to 1');
  });
});
