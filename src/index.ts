/** Loom: tensors, autograd, layers, optimizers and models for sequence learning in TypeScript. */
export { Tensor } from './core/tensor.js';
export type { TensorLike } from './core/tensor.js';
export type { DType } from './core/storage.js';
export { scope } from './core/storage.js';
export { heap } from './core/memory.js';
export { noGrad, enableGrad, isGradEnabled } from './core/autograd.js';
export { tensor, fromArray, zeros, ones, full, zerosLike, onesLike, arange, randn, rand, randint, eye } from './core/creation.js';
export { cat, stack } from './core/ops/join.js';
export { where } from './core/ops/elementwise.js';
export { Generator, manualSeed, defaultGenerator } from './core/random.js';
export { backend, setBackend } from './backends/backend.js';
export { referenceBackend } from './backends/reference.js';
export * as nn from './nn/index.js';
export { F, Module } from './nn/index.js';
export * as optim from './optim/index.js';
export { parseSafetensors, serializeSafetensors, SafetensorsError } from './io/safetensors.js';
export { mobyDick, readTextFile, DataError } from './data/corpus.js';
export { CharVocab } from './data/vocab.js';
