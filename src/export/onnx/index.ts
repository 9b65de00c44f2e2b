/** ONNX export of Loom's models (browser-safe: builds the bytes of an .onnx file, writes no file). */
export { charLMToOnnx, ONNX_CHAR_LM_MODELS, type CharLMExport } from './char-lm.js';
export { moduleWeights, ONNX_OPSET, type ModelExport } from './file.js';
export { forecasterToOnnx, ONNX_FORECAST_MODELS, type ForecasterExport } from './forecast.js';
export { g2pToOnnx, ONNX_G2P_MODELS, type G2PExport } from './g2p.js';
export { imageModelToOnnx, ONNX_IMAGE_MODELS, type ImageModelExport } from './vision.js';
export type { WeightArray } from './layers.js';
export { decodeModel, encodeModel } from '../../io/onnx/proto.js';
