/**
 * The messages between the playground page (main.ts) and its training worker (worker.ts). The page
 * never imports the engine: every tensor lives in the worker, the page only draws what it is sent.
 *
 *   page -> worker   corpus, start, pause, resume, sample, download, open, inspect
 *   worker -> page   ready, corpus, started, step, eval, paused, finished, sample-*, checkpoint, opened, attached,
 *                    inspect, error
 */
import type { InspectRequest } from './view-contract.js';

/** What the settings form sets for a new run. */
export interface RunSettings {
  /** A char-lm model name: rnn, lstm, gru, gpt, linear-gpt. */
  model: string;
  embed: number;
  /** Hidden units (rnn, lstm, gru). */
  hidden: number;
  layers: number;
  /** Attention heads (gpt, linear-gpt). */
  heads: number;
  lr: number;
  steps: number;
  batch: number;
  /** Characters per chunk (recurrent) or window (a GPT's block size). */
  seq: number;
  /** Validation (and a streamed sample) every this many steps; 0 = only at the end. */
  evalEvery: number;
  seed: number;
}

/** What `loom sample` takes: the same options give the same text from the same weights. */
export interface SampleSettings {
  /** Text to continue; '' starts as after a line break, as `loom sample` does. */
  prompt: string;
  length: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
}

/** A file as bytes, for postMessage. */
export interface FileBytes {
  name: string;
  bytes: Uint8Array;
}

export type ToWorker =
  | { type: 'corpus'; name: string; text: string }
  | { type: 'start'; settings: RunSettings }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'sample'; settings: SampleSettings }
  | { type: 'download' }
  | { type: 'open'; files: FileBytes[] }
  | InspectRequest;

/** The model the worker holds, as the page shows it. */
export interface ModelInfo {
  model: string;
  parameters: number;
  step: number;
  /** Where it comes from: `this page` or the opened checkpoint's data. */
  source: string;
  config: Record<string, unknown>;
}

export type FromWorker =
  | { type: 'ready'; threads: number; isolated: boolean }
  | { type: 'corpus'; name: string; chars: number; vocab: number }
  | { type: 'started'; info: ModelInfo; steps: number; resumed: boolean }
  | { type: 'step'; step: number; steps: number; loss: number; tokensPerSecond: number }
  | { type: 'eval'; step: number; valLoss: number }
  | { type: 'paused'; step: number }
  | { type: 'finished'; step: number; valLoss: number; summary: string }
  | { type: 'sample-start'; prompt: string }
  | { type: 'sample'; text: string }
  | { type: 'sample-end' }
  | { type: 'checkpoint'; name: string; files: FileBytes[] }
  | { type: 'opened'; info: ModelInfo }
  /** A model of another task kept for the views that need it (`what` says which, for people). */
  | { type: 'attached'; what: string }
  | { type: 'inspect'; name: string; data: unknown }
  /** `during`: the request that failed; `view`: the view whose data could not be computed. */
  | { type: 'error'; message: string; during?: string; view?: string };
