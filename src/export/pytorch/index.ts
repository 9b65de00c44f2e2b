/** PyTorch export of Loom's models (browser-safe: the files' bytes; the CLI writes them). */
export { charLMToPyTorch, PYTORCH_CHAR_LM_MODELS, type PyTorchExportConfig } from './char-lm.js';
export { forecasterToPyTorch, PYTORCH_FORECAST_MODELS } from './forecast.js';
export { g2pToPyTorch, PYTORCH_G2P_MODELS } from './g2p.js';
export { imageModelToPyTorch, PYTORCH_IMAGE_MODELS } from './vision.js';
export { MODEL_PY } from './model-py.js';
