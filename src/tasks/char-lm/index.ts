/** The character language-model task: its models, its batching and loss, its checkpoints, its evaluation. */
export { CharLMTask, charLMConfigProblem, FINAL_SAMPLING, type CharLMBatch, type CharLMConfig, type CharLMState, type CharLMTaskOptions } from './task.js';
export { MODELS, DEFAULT_MODEL, findModel, configProblem, type ModelSpec, type SizeFlag, type TrainingDefaults } from './models.js';
export { mapState, type Decoder, type LanguageModel, type LMState } from './language-model.js';
export { charLMModel, loadCharLM, type CharLMModel } from './checkpoint.js';
export { evaluateLoss, type EvalOptions, type EvalResult } from './evaluate.js';
