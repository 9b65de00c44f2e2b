/**
 * The playground page: the settings form, the live numbers and loss chart, the streamed sample, the
 * checkpoint buttons and one slot per view. Everything heavy happens in the training worker
 * (worker.ts, messages in protocol.ts); this thread only draws, so it answers clicks while training.
 *
 * A view's slot is `<section data-testid="view-NAME" data-state="idle|drawing|drawn|error">` with a
 * Draw button (`data-testid="draw-NAME"`) and the element the view draws into (`.view-body`). A view
 * once drawn is redrawn when training pauses or ends and when a checkpoint is opened.
 */
import { LossChart } from './loss-chart.js';
import { unzipCheckpoint, zipCheckpoint } from './checkpoint-zip.js';
import type { FileBytes, FromWorker, ModelInfo, RunSettings, SampleSettings, ToWorker } from './protocol.js';
import type { InspectRequest, View } from './view-contract.js';
import { VIEWS } from './views/index.js';
import './style.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const settingsForm = $<HTMLFormElement>('settings');
const sampleForm = $<HTMLFormElement>('sample-settings');
const trainButton = $<HTMLButtonElement>('train');
const pauseButton = $<HTMLButtonElement>('pause');
const downloadButton = $<HTMLButtonElement>('download');
const sampleButton = $<HTMLButtonElement>('sample-button');
const sampleOut = $('sample');
const chart = new LossChart($('chart'));

/** The learning rate each model starts from (the CLI's defaults). */
const DEFAULT_LR: Record<string, number> = { rnn: 0.003, lstm: 0.003, gru: 0.003, gpt: 0.001, 'linear-gpt': 0.001 };
const RECURRENT = new Set(['rnn', 'lstm', 'gru']);

type State = 'loading' | 'idle' | 'training' | 'pausing' | 'paused' | 'finished' | 'opened';
let state: State = 'loading';
let hasModel = false;
/** The model the worker holds (its step follows the run at each pause and at the end). */
let modelInfo: ModelInfo | null = null;

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'loom-playground-trainer' });
const send = (m: ToWorker): void => worker.postMessage(m);
worker.onerror = (e) => showError(`the training worker failed: ${e.message}`);
worker.onmessage = (e: MessageEvent<FromWorker>) => receive(e.data);

// ---- views: one slot each
const slots = new Map<string, { view: View; section: HTMLElement; body: HTMLElement; note: HTMLElement }>();
for (const view of VIEWS) {
  const section = document.createElement('section');
  section.className = 'view';
  section.dataset.testid = `view-${view.name}`;
  section.dataset.state = 'idle';
  section.setAttribute('aria-labelledby', `view-title-${view.name}`);
  const head = document.createElement('div');
  head.className = 'view-head';
  const title = document.createElement('h3');
  title.id = `view-title-${view.name}`;
  title.textContent = view.title;
  const draw = document.createElement('button');
  draw.type = 'button';
  draw.textContent = 'Draw';
  draw.dataset.testid = `draw-${view.name}`;
  draw.setAttribute('aria-label', `Draw ${view.title}`);
  draw.addEventListener('click', () => requestView(view.name));
  head.append(title, draw);
  const note = document.createElement('p');
  note.className = 'view-note';
  note.setAttribute('role', 'status');
  note.textContent = 'Train a model or open a checkpoint, then draw.';
  const body = document.createElement('div');
  body.className = 'view-body';
  section.append(head, note, body);
  $('views').append(section);
  slots.set(view.name, { view, section, body, note });
}
if (VIEWS.length === 0) $('views').textContent = 'No views are built into this page.';

function requestView(name: string): void {
  const slot = slots.get(name)!;
  if (!hasModel) {
    slot.note.textContent = 'There is no model yet: train one or open a checkpoint.';
    return;
  }
  slot.section.dataset.state = 'drawing';
  slot.note.textContent = 'Computing…';
  const prompt = $<HTMLInputElement>('view-prompt').value;
  const request: InspectRequest = { type: 'inspect', name, params: prompt ? { prompt } : {} };
  send(request);
}

/** Redraws the views drawn so far (the others cost nothing until someone asks for them). */
function refreshViews(): void {
  if (!$<HTMLInputElement>('auto-refresh').checked) return;
  for (const [name, slot] of slots) if (slot.section.dataset.state !== 'idle') requestView(name);
}

// ---- settings
const modelSelect = $<HTMLSelectElement>('model');
function showModelFields(): void {
  const recurrent = RECURRENT.has(modelSelect.value);
  for (const el of settingsForm.querySelectorAll<HTMLLabelElement>('label[data-for]')) {
    const off = (el.dataset.for === 'recurrent') !== recurrent;
    el.classList.toggle('off', off);
    el.querySelector('input')!.disabled = off;
  }
}
modelSelect.addEventListener('change', () => {
  (settingsForm.elements.namedItem('lr') as HTMLInputElement).value = String(DEFAULT_LR[modelSelect.value]);
  showModelFields();
});
showModelFields();

function runSettings(): RunSettings | null {
  if (!settingsForm.reportValidity()) return null;
  const f = new FormData(settingsForm);
  const n = (k: string, fallback = 0) => (f.get(k) === null ? fallback : Number(f.get(k)));
  return {
    model: String(f.get('model')), embed: n('embed'), hidden: n('hidden', 1), layers: n('layers'), heads: n('heads', 1),
    lr: n('lr'), steps: n('steps'), batch: n('batch'), seq: n('seq'), evalEvery: n('evalEvery'), seed: n('seed'),
  };
}

function sampleSettings(): SampleSettings | null {
  if (!sampleForm.reportValidity()) return null;
  const f = new FormData(sampleForm);
  const topP = String(f.get('topP') ?? '');
  return { prompt: String(f.get('prompt')), length: Number(f.get('length')), temperature: Number(f.get('temperature')), topP: topP ? Number(topP) : undefined, seed: Number(f.get('seed')) };
}

// ---- buttons
trainButton.addEventListener('click', () => {
  const settings = runSettings();
  if (!settings) return;
  clearError();
  if (state !== 'opened') chart.reset();
  setState('training', 'Starting…');
  send({ type: 'start', settings });
});
pauseButton.addEventListener('click', () => {
  if (state === 'training') {
    setState('pausing', 'Pausing after this step…');
    send({ type: 'pause' });
  } else if (state === 'paused') {
    clearError();
    setState('training', 'Resuming…');
    send({ type: 'resume' });
  }
});
downloadButton.addEventListener('click', () => send({ type: 'download' }));
sampleForm.addEventListener('submit', (e) => {
  e.preventDefault();
  const s = sampleSettings();
  if (s) send({ type: 'sample', settings: s });
});
$<HTMLInputElement>('open').addEventListener('change', async (e) => {
  const input = e.target as HTMLInputElement;
  if (input.files?.length) await openFiles(Array.from(input.files));
  input.value = '';
});
$<HTMLInputElement>('corpus-file').addEventListener('change', async (e) => {
  const input = e.target as HTMLInputElement;
  if (input.files?.[0]) await useCorpus(input.files[0]);
  input.value = '';
});
document.addEventListener('dragover', (e) => {
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', () => document.body.classList.remove('dragging'));
document.addEventListener('drop', async (e) => {
  e.preventDefault();
  document.body.classList.remove('dragging');
  const files = Array.from(e.dataTransfer?.files ?? []);
  if (files.length === 1 && /\.txt$/i.test(files[0].name)) await useCorpus(files[0]);
  else if (files.length) await openFiles(files);
});

async function useCorpus(file: File): Promise<void> {
  clearError();
  let text = await file.text();
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n?/g, '\n');
  if (text.length === 0) return showError(`the file '${file.name}' is empty`);
  if (text.includes('\0')) return showError(`the file '${file.name}' holds NUL bytes: it is not a text file`);
  send({ type: 'corpus', name: file.name, text });
}

async function openFiles(files: File[]): Promise<void> {
  clearError();
  const picked: FileBytes[] = [];
  for (const f of files) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (/\.zip$/i.test(f.name)) {
      try {
        picked.push(...unzipCheckpoint(bytes));
      } catch (err) {
        return showError(`the file '${f.name}' is not a readable zip: ${(err as Error).message}`);
      }
    } else picked.push({ name: f.name, bytes });
  }
  setStatus('Opening the checkpoint…');
  send({ type: 'open', files: picked });
}

function saveDownload(name: string, files: FileBytes[]): void {
  const url = URL.createObjectURL(new Blob([zipCheckpoint(name, files) as Uint8Array<ArrayBuffer>], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `${name}.zip`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- what the worker says
function receive(m: FromWorker): void {
  switch (m.type) {
    case 'ready':
      $('engine').textContent = m.isolated
        ? `Engine: WebAssembly kernels on ${m.threads} worker thread${m.threads === 1 ? '' : 's'}.`
        : 'Engine: WebAssembly kernels on one thread (this page is not cross-origin isolated; see the README).';
      void loadExcerpt();
      return;
    case 'corpus':
      $('corpus').textContent = `${m.name}, ${m.chars.toLocaleString('en-US')} characters, ${m.vocab} distinct`;
      if (state === 'loading') setState('idle', 'Ready: press Train.');
      return;
    case 'started':
      hasModel = true;
      showModel(m.info);
      setState('training', m.resumed ? `Training from step ${m.info.step}…` : 'Training…');
      return;
    case 'step':
      chart.addTrain(m.step, m.loss);
      lastStep = m;
      onNextFrame();
      return;
    case 'eval':
      $('val-loss').textContent = m.valLoss.toFixed(4);
      chart.addVal(m.step, m.valLoss);
      return;
    case 'paused':
      flush();
      if (modelInfo) showModel({ ...modelInfo, step: m.step });
      setState('paused', `Paused at step ${m.step}.`);
      refreshViews();
      return;
    case 'finished':
      flush();
      if (modelInfo) showModel({ ...modelInfo, step: m.step });
      setState('finished', `Finished at step ${m.step}: ${m.summary}.`);
      refreshViews();
      return;
    case 'sample-start':
      sampleText = '';
      sampleOut.textContent = m.prompt;
      sampleOut.setAttribute('aria-busy', 'true');
      sampleOut.dataset.state = 'streaming';
      return;
    case 'sample':
      sampleText += m.text;
      onNextFrame();
      return;
    case 'sample-end':
      flush();
      sampleOut.setAttribute('aria-busy', 'false');
      sampleOut.dataset.state = 'done';
      return;
    case 'checkpoint':
      saveDownload(m.name, m.files);
      return;
    case 'opened':
      hasModel = true;
      chart.reset();
      showModel(m.info);
      $('step').textContent = String(m.info.step);
      setState('opened', `Opened a ${m.info.model} checkpoint at step ${m.info.step}: sample from it, draw the views, or press Train to continue it.`);
      refreshViews();
      return;
    case 'attached':
      setStatus(`Opened ${m.what}.`);
      refreshViews();
      return;
    case 'inspect': {
      const slot = slots.get(m.name);
      if (!slot) return;
      try {
        slot.view.draw(slot.body, m.data);
        slot.note.textContent = '';
        slot.section.dataset.state = 'drawn';
      } catch (err) {
        slot.note.textContent = `Cannot draw: ${(err as Error).message}`;
        slot.section.dataset.state = 'error';
      }
      return;
    }
    case 'error': {
      const slot = m.view ? slots.get(m.view) : undefined;
      if (slot) {
        slot.note.textContent = m.message;
        slot.section.dataset.state = 'error';
        return;
      }
      showError(m.message);
      if (m.during === 'start' || m.during === 'resume') setState(hasModel ? 'paused' : 'idle', 'Stopped.');
      else if (m.during === 'open') setStatus('The checkpoint was not opened.');
      return;
    }
  }
}

// The numbers and the sample change at most once a frame, however fast the worker's messages come.
let lastStep: Extract<FromWorker, { type: 'step' }> | null = null;
let sampleText = '';
let frame = 0;

function onNextFrame(): void {
  if (!frame) frame = requestAnimationFrame(flush);
}

function flush(): void {
  cancelAnimationFrame(frame);
  frame = 0;
  if (lastStep) {
    $('step').textContent = `${lastStep.step} / ${lastStep.steps}`;
    $('loss').textContent = lastStep.loss.toFixed(4);
    $('tok-s').textContent = Math.round(lastStep.tokensPerSecond).toLocaleString('en-US');
    lastStep = null;
  }
  if (sampleText) {
    sampleOut.textContent += sampleText;
    sampleText = '';
  }
}

function showModel(info: ModelInfo): void {
  modelInfo = info;
  const sizes = Object.entries(info.config).filter(([k]) => k !== 'vocabSize' && typeof info.config[k] === 'number').map(([k, v]) => `${k} ${v}`).join(', ');
  $('model-info').textContent = `${info.model} (${sizes}; ${info.parameters.toLocaleString('en-US')} parameters), step ${info.step}, trained on ${info.source}`;
}

async function loadExcerpt(): Promise<void> {
  const res = await fetch(new URL('moby-dick-excerpt.txt', document.baseURI));
  if (!res.ok) return showError(`the Moby Dick excerpt cannot be loaded (HTTP ${res.status}): drop a .txt file instead`);
  send({ type: 'corpus', name: 'moby-dick-excerpt.txt', text: await res.text() });
}

function setState(s: State, status: string): void {
  state = s;
  trainButton.disabled = s === 'loading' || s === 'training' || s === 'pausing';
  trainButton.textContent = s === 'opened' ? 'Continue training' : 'Train';
  pauseButton.disabled = !(s === 'training' || s === 'paused');
  pauseButton.textContent = s === 'paused' ? 'Resume' : 'Pause';
  pauseButton.setAttribute('aria-pressed', String(s === 'paused'));
  downloadButton.disabled = !hasModel;
  sampleButton.disabled = !hasModel;
  document.body.dataset.state = s;
  setStatus(status);
}

function setStatus(text: string): void {
  $('status').textContent = text;
}

function showError(message: string): void {
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
}

function clearError(): void {
  $('error').hidden = true;
}
