/** PyTorch export of Loom's models (browser-safe: the files' bytes; the CLI writes them). */
export { charLMToPyTorch, PYTORCH_CHAR_LM_MODELS, type PyTorchExportConfig } from './char-lm.js';
export { MODEL_PY } from './model-py.js';
