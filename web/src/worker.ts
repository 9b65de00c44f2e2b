/**
 * The playground's training worker: the only place the page's tensors live. It trains with the
 * library's loop (`train` over a `CharLMTask`, checkpoints in a `MemoryRunStorage`), streams samples,
 * opens checkpoints and answers the views' InspectRequests with the library's `inspectors`. It keeps
 * the page responsive: the loop returns to this worker's event loop after every step, where pause,
 * sample and inspect messages are handled.
 *
 *   pause   = the loop's shouldStop: it saves a checkpoint and returns 'stopped'
 *   resume  = a new task resumed from that checkpoint: the same losses as a run never paused
 *
 * Messages: protocol.ts.
 */
import {
  backend,
  CharLMTask,
  CharVocab,
  checkpointFromFiles,
  decodeCheckpoint,
  findModel,
  forecastDefaults,
  ForecastTask,
  generate,
  Generator,
  inspectors,
  loadCharLM,
  loadG2P,
  loadImageClassifier,
  MemoryRunStorage,
  parseIsoDate,
  noGrad,
  textHash,
  train,
  type CharLMConfig,
  type Checkpoint,
  type LanguageModel,
  type ProgressEvent,
  type TrainOptions,
  type ViT,
} from 'loom-nn';
/** What a CharLMTask is built from (the type is not exported by the entry). */
type CharLMTaskOptions = ConstructorParameters<typeof CharLMTask>[0];

import type { FileBytes, FromWorker, ModelInfo, RunSettings, SampleSettings, ToWorker } from './protocol.js';

interface Scope {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(m: FromWorker): void;
  location: { href: string };
}
const scope = globalThis as unknown as Scope;
const post = (m: FromWorker): void => scope.postMessage(m);

/** The model the views and the sampler read: the run's, or the opened checkpoint's. */
interface Current {
  lm: LanguageModel;
  vocab: CharVocab;
  info: ModelInfo;
}

/** A run of the page: what is needed to resume it after a pause. */
interface Run {
  taskOptions: CharLMTaskOptions;
  options: TrainOptions;
  storage: MemoryRunStorage;
}

/** The sample streamed after each periodic validation while training. */
const PROGRESS_SAMPLE: Omit<SampleSettings, 'seed'> = { prompt: '', length: 160, temperature: 0.8, topP: 0.95 };

let corpus = { name: '', text: '' };
let current: Current | null = null;
let run: Run | null = null;
/** The checkpoint opened from files (until a run of the page replaces it), with its files as read. */
let opened: { ckpt: Checkpoint; files: FileBytes[] } | null = null;
let training = false;
let pauseRequested = false;
/**
 * Models of other tasks for the views that need them, passed in the inspectors' context: an opened
 * grapheme-to-phoneme model (`g2p`, the alignment view) and ViT (`vit`, the patches view), and the
 * births forecaster (`forecast`), made on the first forecast view.
 */
const extras: { g2p?: unknown; vit?: { model: ViT; classes?: readonly string[] }; forecast?: ForecastTask } = {};

/**
 * The forecast view's model: AR(28) fitted by least squares (closed form, no training) to the US births
 * series that the build puts beside index.html (`us-births.json`: its first date and its daily values).
 */
async function birthsForecaster(): Promise<ForecastTask> {
  const url = new URL('../us-births.json', scope.location.href); // the worker is in assets/
  const res = await fetch(url);
  if (!res.ok) throw new Error(`the births series for the forecast view cannot be loaded from ${url.pathname} (HTTP ${res.status})`);
  const { name, start, values } = (await res.json()) as { name: string; start: string; values: number[] };
  const first = parseIsoDate(start);
  if (first === null) throw new Error(`${url.pathname}: the first date '${start}' is not an ISO date`);
  const task = new ForecastTask({ series: { name, start: first, values: Float64Array.from(values) }, config: forecastDefaults('ar'), model: 'ar', seed: 0 });
  task.createModel();
  return task;
}

/** A Fashion-MNIST test image of the site's samples, one per class, with its name. */
interface FashionSample {
  index: number;
  label: number;
  name: string;
  /** 784 values, 0-255. */
  pixels: number[];
}

/** The site's Fashion-MNIST test images for the patches view, or null when the build had no data. */
let fashionSamples: Promise<FashionSample[] | null> | undefined;
function loadFashionSamples(): Promise<FashionSample[] | null> {
  fashionSamples ??= fetch(new URL('../fashion-mnist-samples.json', scope.location.href)).then((res) => (res.ok ? (res.json() as Promise<FashionSample[]>) : null));
  return fashionSamples;
}

/**
 * The patches view's image: the sample whose class name starts with the views' text (`bag`, `Ankle`),
 * or whose label is that number, else the first; none when the site has no samples or the ViT reads
 * images of another size than their 28 x 28.
 */
async function patchesImage(text: unknown, side: number): Promise<Record<string, unknown>> {
  const samples = await loadFashionSamples();
  if (!samples?.length || side !== 28) return {};
  const want = typeof text === 'string' ? text.trim().toLowerCase() : '';
  const s = samples.find((x) => want !== '' && (x.name.toLowerCase().startsWith(want) || String(x.label) === want)) ?? samples[0];
  return { image: s.pixels.map((v) => v / 255), imageName: `Fashion-MNIST test image ${s.index} (${s.name})` };
}

scope.onmessage = async (e) => {
  const m = e.data;
  try {
    await handle(m);
  } catch (err) {
    post({ type: 'error', message: (err as Error).message, during: m.type, ...(m.type === 'inspect' ? { view: m.name } : {}) });
  }
};

post({ type: 'ready', threads: (backend() as { threads?: number }).threads ?? 1, isolated: globalThis.crossOriginIsolated === true });

async function handle(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'corpus': {
      const vocab = new CharVocab(m.text);
      corpus = { name: m.name, text: m.text };
      post({ type: 'corpus', name: m.name, chars: m.text.length, vocab: vocab.size });
      return;
    }
    case 'start':
      if (training) throw new Error('a run is training: pause it first');
      return opened && !run ? continueOpened(m.settings) : startRun(m.settings);
    case 'pause':
      if (training) pauseRequested = true;
      return;
    case 'resume':
      if (training) return;
      if (!run?.storage.checkpoint) throw new Error('there is no paused run to resume: press Train');
      return runLoop(run, decodeCheckpoint(run.storage.checkpoint, 'the paused run'));
    case 'sample':
      return streamSample(m.settings);
    case 'download':
      return download();
    case 'open':
      return open(m.files);
    case 'inspect':
      return inspect(m.name, m.params);
  }
}

/** A new run from the settings form, on the current corpus. */
function startRun(s: RunSettings): Promise<void> {
  if (!corpus.text) throw new Error('no corpus yet: wait for the Moby Dick excerpt to load, or drop a .txt file');
  const spec = findModel(s.model);
  if (!spec) throw new Error(`unknown model '${s.model}'`);
  const modelConfig: Record<string, unknown> = { ...spec.defaults };
  const sizes = { embed: s.embed, hidden: s.hidden, layers: s.layers, heads: s.heads };
  for (const [flag, key] of Object.entries(spec.flags)) modelConfig[key] = sizes[flag as keyof typeof sizes];
  if (spec.seqKey) modelConfig[spec.seqKey] = s.seq; // a GPT's block size is the window
  const config: CharLMConfig = { data: corpus.name, dataHash: textHash(corpus.text), batch: s.batch, seq: s.seq, evalBatches: 4, sampleLength: 0 };
  const taskOptions: CharLMTaskOptions = { config, text: corpus.text, model: s.model, modelConfig, seed: s.seed };
  const t = spec.training;
  const options: TrainOptions = {
    steps: s.steps, lr: s.lr, optimizer: t.optimizer, weightDecay: t.weightDecay, clip: t.clip,
    schedule: 'constant', warmup: 0, seed: s.seed, evalEvery: s.evalEvery, checkpointEvery: 100,
  };
  run = { taskOptions, options, storage: new MemoryRunStorage() };
  opened = null;
  return runLoop(run);
}

/**
 * Continues the opened checkpoint (one `loom train` wrote, or one downloaded from here) on the current
 * corpus for `s.steps` more steps, with its own model, vocabulary, batch shape and training options.
 * On another text than its own, the stream position starts over (it indexed the other text).
 */
function continueOpened(s: RunSettings): Promise<void> {
  const { ckpt } = opened!;
  const meta = ckpt.meta;
  const hash = textHash(corpus.text);
  const taskConfig = { ...(meta.taskConfig as unknown as CharLMConfig), data: corpus.name, dataHash: hash };
  const sameText = (meta.taskConfig as { dataHash?: string }).dataHash === hash;
  const resumeFrom: Checkpoint = sameText ? ckpt : { ...ckpt, meta: { ...meta, taskState: { ...meta.taskState, position: 0 } } };
  const taskOptions: CharLMTaskOptions = {
    config: taskConfig, text: corpus.text, model: meta.model, modelConfig: meta.config, vocab: CharVocab.fromJSON(meta.vocab), seed: (meta.training as { seed: number }).seed,
  };
  const options = { ...(meta.training as unknown as TrainOptions), steps: meta.step + s.steps, evalEvery: s.evalEvery, checkpointEvery: 100 };
  run = { taskOptions, options, storage: new MemoryRunStorage() };
  opened = null;
  return runLoop(run, resumeFrom);
}

/** Runs (or resumes) `r` until it finishes or is paused. */
async function runLoop(r: Run, resumeFrom?: Checkpoint): Promise<void> {
  const task = new CharLMTask(r.taskOptions);
  const source = resumeFrom?.dir === 'the paused run' || !resumeFrom ? 'this page' : String(r.taskOptions.config.data);
  const onProgress = (e: ProgressEvent): void => {
    if (e.kind === 'start') {
      current = { lm: task.lm!, vocab: task.vocab, info: { model: task.spec.name, parameters: e.parameters, step: e.step, source, config: task.modelConfig } };
      post({ type: 'started', info: current.info, steps: e.steps, resumed: e.resumed });
    } else if (e.kind === 'step') {
      current!.info.step = e.step;
      post({ type: 'step', step: e.step, steps: e.steps, loss: e.loss, tokensPerSecond: e.itemsPerSecond });
    } else if (e.kind === 'eval' && !e.final) {
      post({ type: 'eval', step: e.step, valLoss: e.evaluation.metrics.val_loss });
      streamSample({ ...PROGRESS_SAMPLE, seed: e.step });
    }
  };
  training = true;
  pauseRequested = false;
  try {
    const result = await train(task, r.options, { storage: r.storage, resumeFrom, onProgress, shouldStop: () => pauseRequested });
    if (result.status === 'finished') {
      const val = result.evaluation!.metrics.val_loss;
      post({ type: 'eval', step: result.step, valLoss: val });
      post({ type: 'finished', step: result.step, valLoss: val, summary: result.evaluation!.summary });
    } else {
      post({ type: 'paused', step: result.step });
    }
  } finally {
    training = false;
  }
  streamSample({ ...PROGRESS_SAMPLE, seed: 0 });
}

/** Generates from the current model as `loom sample` does, posting each character as it is drawn. */
function streamSample(s: SampleSettings): void {
  if (!current) throw new Error('there is no model yet: train one or open a checkpoint');
  const { lm, vocab } = current;
  const given = s.prompt !== '';
  const prompt = given ? s.prompt : vocab.chars.includes('\n') ? '\n' : vocab.chars[0];
  for (const [n, ch] of Array.from(prompt).entries())
    if (!vocab.chars.includes(ch)) throw new Error(`the prompt's character ${JSON.stringify(ch)} at position ${n} is not in the model's vocabulary of ${vocab.size} characters`);
  post({ type: 'sample-start', prompt: given ? prompt : '' });
  const wasTraining = lm.module.training;
  try {
    noGrad(() => {
      lm.module.eval();
      const options = { temperature: s.temperature, topK: s.topK, topP: s.topP };
      generate(lm.decoder(), vocab.encode(prompt), s.length, options, new Generator(s.seed), (id) => post({ type: 'sample', text: vocab.decode([id]) }));
    });
  } finally {
    lm.module.train(wasTraining);
    post({ type: 'sample-end' });
  }
}

/** The latest checkpoint's files (saved every 100 steps, at a pause and at the end), or the opened one's. */
function download(): void {
  const files = run?.storage.checkpoint ? Array.from(run.storage.checkpoint, ([name, bytes]) => ({ name, bytes })) : opened?.files;
  if (!files) throw new Error(training ? 'no checkpoint saved yet: one is saved every 100 steps and at a pause' : 'there is no checkpoint yet: train a model first');
  const meta = JSON.parse(new TextDecoder().decode(files.find((f) => f.name === 'config.json')!.bytes)) as { model: string; step: number };
  post({ type: 'checkpoint', name: `loom-${meta.model}-step${meta.step}`, files });
}

/**
 * Opens a checkpoint from its files, checked as `loom sample` checks it: a char-lm one becomes the model
 * the views and the sampler read (and Train continues it); a g2p or a fashion-mnist vit one is kept for
 * the alignment or the patches view.
 */
async function open(files: FileBytes[]): Promise<void> {
  if (training) throw new Error('a run is training: pause it before opening a checkpoint');
  const ckpt = await checkpointFromFiles(
    files.map((f) => ({ name: f.name, arrayBuffer: async () => f.bytes.slice().buffer as ArrayBuffer })),
    'the opened checkpoint',
  );
  if (ckpt.meta.task === 'g2p') {
    const g2p = loadG2P(ckpt);
    extras.g2p = g2p.predictor;
    post({ type: 'attached', what: `a ${g2p.spec.name} grapheme-to-phoneme model (step ${ckpt.meta.step}) for the alignment view` });
    return;
  }
  if (ckpt.meta.task === 'fashion-mnist') {
    const image = loadImageClassifier(ckpt);
    if (image.spec.name !== 'vit') throw new Error(`the opened fashion-mnist checkpoint holds a ${image.spec.name}; the patches view needs a vit`);
    extras.vit = { model: image.model as ViT, classes: image.config.classes };
    post({ type: 'attached', what: `a ViT (step ${ckpt.meta.step}) for the patches view` });
    return;
  }
  if (ckpt.meta.task !== 'char-lm')
    throw new Error(`the opened checkpoint is for the task '${ckpt.meta.task}': this page trains char-lm models, and opens g2p and fashion-mnist vit checkpoints for their views`);
  const { lm, vocab, spec } = loadCharLM(ckpt);
  opened = { ckpt, files };
  run = null;
  const info: ModelInfo = { model: spec.name, parameters: lm.module.numParameters(), step: ckpt.meta.step, source: String((ckpt.meta.taskConfig as { data?: unknown }).data), config: ckpt.meta.config };
  current = { lm, vocab, info };
  post({ type: 'opened', info });
}

/** A view's data, computed by the library's inspector of that name from the current model. */
async function inspect(name: string, params: Record<string, unknown>): Promise<void> {
  const inspector = (inspectors as Record<string, ((ctx: unknown, params: Record<string, unknown>) => unknown) | undefined>)[name];
  if (!inspector) throw new Error(`the library has no inspector for the view '${name}' (it has: ${Object.keys(inspectors).join(', ') || 'none'})`);
  if (!current) throw new Error('there is no model yet: train one or open a checkpoint');
  const { lm, vocab, info } = current;
  if (name === 'forecast') extras.forecast ??= await birthsForecaster();
  if (name === 'patches') params = { ...params, ...(await patchesImage(params.prompt, extras.vit?.model.config.imageSize ?? 28)) };
  const wasTraining = lm.module.training;
  try {
    const data = await inspector({ model: lm, modelName: info.model, vocab, text: corpus.text, ...extras }, params);
    post({ type: 'inspect', name, data });
  } finally {
    lm.module.train(wasTraining);
  }
}
