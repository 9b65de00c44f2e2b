/** The image classification task (Fashion-MNIST and other MNIST-layout data): models, batching, loss, evaluation, checkpoints. */
export { FashionMnistTask, fashionMnistConfig, fashionMnistConfigProblem, type FashionMnistConfig, type FashionMnistState, type FashionMnistTaskOptions, type ImageBatch } from './task.js';
export { MODELS as IMAGE_MODELS, DEFAULT_MODEL as DEFAULT_IMAGE_MODEL, findModel as findImageModel, type ImageModelSpec, type ImageTrainingDefaults, type ImageModelConfig } from './models.js';
export { evaluateImages, normalizedBatch, type ImageEvalOptions, type ImageEvalResult, type LabelledImages } from './evaluate.js';
export { augmentBatch, type AugmentOptions } from './augment.js';
export { loadImageClassifier, classify, savedModel, type ImageClassifier } from './checkpoint.js';
export { rgbaToGrey, resizeArea } from './image.js';
