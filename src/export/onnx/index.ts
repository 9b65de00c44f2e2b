/** ONNX export of Loom's models (browser-safe: builds the bytes of an .onnx file, writes no file). */
export { charLMToOnnx, moduleWeights, ONNX_CHAR_LM_MODELS, ONNX_OPSET, type CharLMExport } from './char-lm.js';
export type { WeightArray } from './layers.js';
export { decodeModel, encodeModel } from '../../io/onnx/proto.js';
