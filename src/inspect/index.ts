/**
 * The playground's inspectors: each view of the page (web/src/views/) draws the plain data one of
 * these computes from the live model. The training worker calls `inspectors[name](ctx, params)` and
 * posts the result (numbers, arrays and strings only, so it survives structured cloning and JSON).
 *
 *   name                 data                      computed by
 *   gradient-flow        GradientFlowData          gradientFlow on an RNN, an LSTM and a GRU, one text window
 *   gates                GatesData                 an LSTM's or GRU's gates and states, characters x units
 *   attention            AttentionData             each layer's and head's causal weights, softmax and linear
 *   positional-encoding  PositionalEncodingData    the sinusoidal table (and a GPT's learned one), similarities
 *   sampling             SamplingData              next-character distributions under temperature, top-k, top-p
 *   alignment            AlignmentData             a G2P model's attention, phonemes x letters (ctx.g2p)
 *   forecast             ForecastData              a series' last days, a backtest and the forecast (ctx.forecast)
 *   patches              PatchesData               a ViT's attention over an image's patches (ctx.vit)
 *
 * Every inspector leaves the model as it found it (mode, gradients): the worker may keep training.
 */
import type { Inspector } from './context.js';
import { inspectAlignment } from './alignment.js';
import { inspectAttention } from './attention.js';
import { inspectForecast } from './forecast.js';
import { inspectPatches } from './patches.js';
import { inspectGates } from './gates.js';
import { inspectGradientFlow } from './gradient-flow.js';
import { inspectPositionalEncoding } from './positional-encoding.js';
import { inspectSampling } from './sampling.js';

export type { InspectContext, Inspector } from './context.js';
export { inspectAttention, softmaxWeights, linearWeights, type AttentionData, type AttentionPanel, type AttentionKind } from './attention.js';
export { inspectGates, gateActivations, type GatesData, type GateMap } from './gates.js';
export { inspectGradientFlow, type GradientFlowData, type GradientFlowNet } from './gradient-flow.js';
export { inspectPositionalEncoding, type PositionalEncodingData, type PositionTable } from './positional-encoding.js';
export { inspectAlignment, type AlignmentData } from './alignment.js';
export { inspectForecast, type ForecastData, type DatedLine } from './forecast.js';
export { inspectPatches, type PatchesData } from './patches.js';
export { inspectSampling, type SamplingData, type SamplingStep, type SamplingStage } from './sampling.js';

/** Every view's inspector, by the view's name (its `data-testid` is `view-${name}`). */
export const inspectors: Record<string, Inspector> = {
  'gradient-flow': inspectGradientFlow,
  gates: inspectGates,
  attention: inspectAttention,
  'positional-encoding': inspectPositionalEncoding,
  sampling: inspectSampling,
  alignment: inspectAlignment,
  forecast: inspectForecast,
  patches: inspectPatches,
};
