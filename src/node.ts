/**
 * Loom's Node.js entry (`loom-nn/node`, and `loom-nn` under Node's `node` export condition): everything
 * in the browser-safe entry (src/index.ts), set up for Node, plus what needs Node's builtins.
 *
 * Set-up, before the backend is chosen: the heap's synchronous collector (node:v8, node:vm), the kernel
 * pool's workers on node:worker_threads, and reading loom.wasm from the file system. Then: safetensors
 * files of a module's state, checkpoints on disk, the corpora bundled in node_modules, Fashion-MNIST.
 */
import './core/node-collector.js';
import './backends/wasm/node-workers.js';
export * from './index.js';
export { save, load } from './io/state.js';
export { mobyDick, readTextFile, textHash, DataError } from './data/corpus.js';
export { cmudict, cmudictPath, readDictionaryFile, CMUDICT_PACKAGE } from './data/pronunciations-node.js';
export { loadFashionMnist, parseIdx, FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, type FashionMnist } from './data/fashion-mnist.js';
export { saveCheckpoint, loadCheckpoint } from './io/checkpoint-dir.js';
export { NodeRunStorage } from './train/node-storage.js';
export {
  charLMToOnnx, decodeModel as decodeOnnxModel, forecasterToOnnx, g2pToOnnx, imageModelToOnnx, moduleWeights, ONNX_CHAR_LM_MODELS, ONNX_FORECAST_MODELS, ONNX_G2P_MODELS, ONNX_IMAGE_MODELS, ONNX_OPSET,
  type CharLMExport, type ForecasterExport, type G2PExport, type ImageModelExport, type ModelExport, type WeightArray,
} from './export/onnx/index.js';
export { charLMToPyTorch, forecasterToPyTorch, g2pToPyTorch, imageModelToPyTorch, PYTORCH_CHAR_LM_MODELS, PYTORCH_FORECAST_MODELS, PYTORCH_G2P_MODELS, PYTORCH_IMAGE_MODELS } from './export/pytorch/index.js';
export { importCharLM, importTaskWeights, type CharLMImport, type TaskWeightsImport } from './export/pytorch/import.js';
export { usBirths, US_BIRTHS } from './data/us-births.js';
export { loadSeries, type SeriesSource } from './data/series-file.js';
export { parseSeriesCsv } from './data/series-csv.js';
export { forecastPlotSvg } from './tasks/forecast/plot.js';
export { readPngImage, type PngImage } from './tasks/fashion-mnist/png.js';
