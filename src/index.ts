/**
 * Loom: tensors, autograd, layers, optimizers and models for sequence learning in TypeScript.
 *
 * This is the browser-safe entry (`loom-nn` for bundlers): it reaches no Node.js builtin. Files,
 * checkpoints, the bundled corpora and node:worker_threads are in the Node entry (src/node.ts,
 * `loom-nn/node`, and `loom-nn` itself under Node's `node` export condition).
 */
import './backends/install.js';
export { Tensor } from './core/tensor.js';
export type { TensorLike } from './core/tensor.js';
export type { DType } from './core/storage.js';
export { scope } from './core/storage.js';
export { heap, OutOfMemoryError } from './core/memory.js';
export { noGrad, enableGrad, isGradEnabled } from './core/autograd.js';
export { tensor, fromArray, zeros, ones, full, zerosLike, onesLike, arange, randn, rand, randint, eye } from './core/creation.js';
export { cat, stack } from './core/ops/join.js';
export { where } from './core/ops/elementwise.js';
export { Generator, manualSeed, defaultGenerator } from './core/random.js';
export { backend, setBackend } from './backends/backend.js';
export { referenceBackend } from './backends/reference.js';
export { createWasmBackend, type WasmBackend, type WasmBackendOptions } from './backends/wasm/backend.js';
export * as nn from './nn/index.js';
export { F, Module } from './nn/index.js';
export * as optim from './optim/index.js';
export { parseSafetensors, serializeSafetensors, SafetensorsError } from './io/safetensors.js';
export { encodeTensors, decodeTensors } from './io/tensors.js';
export { CharVocab } from './data/vocab.js';
export { gradcheck } from './core/gradcheck.js';
export type { GradcheckOptions } from './core/gradcheck.js';
export { GPT, KVCache, defaultGPTConfig, type GPTConfig, type GenerateOptions } from './models/gpt.js';
export { ViT, defaultViTConfig, type ViTConfig } from './models/vision/vit.js';
export { SqueezeExcitation, type SqueezeExcitationOptions } from './models/vision/squeeze-excitation.js';
export { WindowAttention, SwinBlock, PatchMerging, windowPartition, windowReverse, roll, type SwinBlockOptions } from './models/vision/swin.js';
export { vitAttention, type ViTAttentionMaps } from './models/vision/vit-attention.js';
export { CNN, ConvBlock, ClassifierHead, defaultCNNConfig, type CNNConfig } from './models/vision/cnn.js';
export { SECNN, SEConvBlock, defaultSECNNConfig, type SECNNConfig } from './models/vision/se-cnn.js';
export { SwinTiny, SwinStage, SwinPatchEmbed, defaultSwinTinyConfig, type SwinTinyConfig } from './models/vision/swin-tiny.js';
export { CharRNN, charRNNDefaults, type CharRNNConfig } from './models/char-rnn.js';
export { generate, pickToken, samplingDistribution, type SamplingOptions } from './models/sampling.js';
export { fetchCheckpoint, checkpointFromFiles, type NamedBlob } from './io/checkpoint-files.js';
export { textHash } from './data/text-hash.js';
export { CheckpointError, encodeCheckpoint, decodeCheckpoint, CHECKPOINT_VERSION, type Checkpoint, type CheckpointFiles, type CheckpointMeta } from './io/checkpoint.js';
export { train, initialCheckpoint, DivergenceError, RunOutOfMemoryError, MemoryRunStorage, RunStorageError, trainOptionsProblem } from './train/index.js';
export type { TrainOptions, TrainContext, TrainResult, ProgressEvent, RunStorage, MetricsRecord, Task, TaskFiles, Evaluation, ModelDescription } from './train/index.js';
export { CharLMTask, MODELS, findModel, evaluateLoss, loadCharLM, charLMModel, type CharLMConfig, type CharLMBatch, type CharLMState, type LanguageModel } from './tasks/char-lm/index.js';
export { parseDictionary, splitWords, type Dictionary, type Pronunciation, type WordSplit } from './data/pronunciations.js';
export { SymbolVocab, PAD, BOS, EOS } from './data/symbol-vocab.js';
export { LSTMAttention, defaultLSTMAttentionConfig, type LSTMAttentionConfig } from './models/lstm-attention.js';
export { Seq2SeqTransformer, defaultSeq2SeqTransformerConfig, type Seq2SeqTransformerConfig } from './models/seq2seq-transformer.js';
export type { Seq2SeqModel, DecodeStep } from './models/seq2seq.js';
export {
  G2PTask, G2P_MODELS, findG2PModel, G2PPredictor, loadG2P, greedyDecode, beamDecode, scoreG2P, editDistance, formatScore,
  type G2PConfig, type Hypothesis, type Prediction, type PredictedPronunciation, type G2PScore,
} from './tasks/g2p/index.js';
export { isoDate, parseIsoDate, dayNumber, type DailySeries } from './data/series.js';
export { calendarCovariates, holidayOf, federalHolidays, dayOfWeek, dayOfYear, COVARIATES, HOLIDAYS } from './data/calendar.js';
export { splitSeries, type SeriesSplit } from './data/series-split.js';
export { ForecastTask, FORECAST_MODELS, findForecastModel, forecastDefaults, baselines, scoreForecasts, rollingOrigins, seasonalScale, forecastPlotSpec, forecastTaskFromCheckpoint, type ForecastConfig, type Forecaster, type Score } from './tasks/forecast/index.js';
export {
  FashionMnistTask, fashionMnistConfig, IMAGE_MODELS, findImageModel, evaluateImages, loadImageClassifier, classify, augmentBatch, rgbaToGrey, resizeArea,
  type FashionMnistConfig, type ImageBatch, type ImageEvalResult, type LabelledImages, type ImageClassifier,
} from './tasks/fashion-mnist/index.js';
export {
  inspectors, inspectGradientFlow, inspectGates, inspectAttention, inspectPositionalEncoding, inspectSampling, inspectAlignment, inspectForecast, inspectPatches,
  type InspectContext, type Inspector, type GradientFlowData, type GatesData, type AttentionData, type PositionalEncodingData, type SamplingData,
  type AlignmentData, type ForecastData, type PatchesData,
} from './inspect/index.js';
