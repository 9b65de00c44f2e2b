/** The grapheme-to-phoneme task: its models, batches, decoders, scorer, predictor and checkpoints. */
export { G2PTask, G2P_DEFAULT_CONFIG, SPLIT_SEED, g2pSplit, g2pTaskConfigProblem, type G2PConfig, type G2PState, type G2PTaskOptions, type G2PVocabJSON } from './task.js';
export { G2P_MODELS, DEFAULT_G2P_MODEL, findG2PModel, g2pConfigProblem, type G2PModelSpec, type G2PTrainingDefaults } from './models.js';
export { makeBatch, makeSource, type G2PBatch, type SourceBatch } from './batch.js';
export { beamDecode, greedyDecode, type BeamOptions, type DecodeOptions, type Hypothesis } from './decode.js';
export { closestReference, editDistance, formatScore, scoreG2P, type G2PScore, type ScoredWord } from './score.js';
export { G2PPredictor, type PredictOptions, type Prediction, type PredictedPronunciation } from './predictor.js';
export { loadG2P, type LoadedG2P } from './checkpoint.js';
