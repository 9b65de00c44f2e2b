/**
 * An image classifier as a PyTorch export (files.ts): model.py (vision-py.ts), model.safetensors,
 * config.json with `classes` (in logit order) and `normalisation` ({mean, std}, applied by the module).
 *
 * @example
 *   const files = imageModelToPyTorch({ model: 'cnn', config, weights: moduleWeights(model), classes, mean, std });
 */
import type { ImageModelExport } from '../onnx/vision.js';
import { checkModel, pytorchFiles } from './files.js';
import { VISION_PY } from './vision-py.js';

/** The models vision-py.ts builds. */
export const PYTORCH_IMAGE_MODELS = ['cnn', 'se-cnn', 'vit', 'swin'] as const;

/** The files of an image classifier's PyTorch export by name. */
export function imageModelToPyTorch(m: ImageModelExport): Map<string, Uint8Array> {
  checkModel('fashion-mnist', m.model, PYTORCH_IMAGE_MODELS);
  return pytorchFiles('fashion-mnist', m, VISION_PY, { classes: [...m.classes], normalisation: { mean: m.mean, std: m.std } });
}
