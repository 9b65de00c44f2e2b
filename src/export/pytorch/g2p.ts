/**
 * A G2P model as a PyTorch export (files.ts): model.py (g2p-py.ts), model.safetensors, config.json with
 * `letters` and `phonemes` (symbols in id order) and `maxLetters`.
 *
 * @example
 *   const files = g2pToPyTorch({ model: 'transformer', config, weights: moduleWeights(model), letters, phonemes, maxLetters: 48 });
 */
import type { G2PExport } from '../onnx/g2p.js';
import { checkModel, pytorchFiles } from './files.js';
import { G2P_PY } from './g2p-py.js';

/** The models g2p-py.ts builds. */
export const PYTORCH_G2P_MODELS = ['transformer', 'lstm-attention'] as const;

/** The files of a G2P model's PyTorch export by name. */
export function g2pToPyTorch(m: G2PExport): Map<string, Uint8Array> {
  checkModel('g2p', m.model, PYTORCH_G2P_MODELS);
  return pytorchFiles('g2p', m, G2P_PY, { letters: [...m.letters], phonemes: [...m.phonemes], maxLetters: m.maxLetters });
}
