/** Loom's `nn`: modules, parameters, initialisation, layers, activations, losses, and `F` (functional). */
export { Module, type StateDict, type LoadResult, type TensorModule } from './module.js';
export { Parameter, isParameter } from './parameter.js';
export * as init from './init.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { Embedding, type EmbeddingOptions } from './layers/embedding.js';
export { LayerNorm, type LayerNormOptions } from './layers/layernorm.js';
export { Dropout } from './layers/dropout.js';
export { Flatten, Unflatten, Identity } from './layers/reshape.js';
export { Sequential, ModuleList, ModuleDict } from './layers/containers.js';
export { ReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax } from './layers/activations.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss } from './layers/losses.js';
export * as F from './functional.js';
export type { Reduction, NLLOptions, CrossEntropyOptions, BCEWithLogitsOptions } from './functional.js';
export { attention, scaledDotProductAttention, type AttentionOptions, type ScaledDotProductAttentionOptions } from './attention/attention.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './attention/multihead-attention.js';
export {
  TransformerEncoderLayer, TransformerDecoderLayer, type TransformerLayerOptions, type Activation,
  type EncoderLayerForwardOptions, type DecoderLayerForwardOptions,
} from './attention/transformer-layers.js';
export { TransformerEncoder, TransformerDecoder, Transformer, generateSquareSubsequentMask, type TransformerOptions } from './attention/transformer.js';
export { SinusoidalPositionalEncoding } from './attention/positional-encoding.js';
export { LinearAttention, LinearAttentionState, causalLinearAttention } from './attention/linear-attention.js';
export { AdditiveAttention } from './attention/additive-attention.js';
export { RNN, LSTM, GRU, RecurrentBase, detachState, type RecurrentOptions, type RNNOptions, type RecurrentForwardOptions, type LSTMState, type RecurrentState } from './recurrent/rnn.js';
export { RNNCell, LSTMCell, GRUCell, type CellOptions, type RNNCellOptions } from './recurrent/rnn-cells.js';
export { gradientFlow } from './recurrent/gradient-flow.js';
export { Conv1d, Conv2d, conv1d, conv2d, type ConvOptions, type ConvModuleOptions, type ConvPadding, type PaddingMode } from './vision/conv.js';
export {
  MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, maxPool2d, avgPool2d, adaptiveAvgPool2d,
  type MaxPool2dOptions, type AvgPool2dOptions, type AdaptiveSize,
} from './vision/pooling.js';
export { BatchNorm1d, BatchNorm2d, batchNorm, type BatchNormOptions, type BatchNormFunctionalOptions } from './layers/batchnorm.js';
export { Mlp } from './layers/mlp.js';
