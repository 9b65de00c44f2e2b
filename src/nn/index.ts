/** Loom's `nn`: modules, parameters, initialisation, layers, activations, losses, and `F` (functional). */
export { Module, type StateDict, type LoadResult, type TensorModule } from './module.js';
export { Parameter, isParameter } from './parameter.js';
export * as init from './init.js';
export { Linear, type LinearOptions } from './linear.js';
export { Embedding, type EmbeddingOptions } from './embedding.js';
export { LayerNorm, type LayerNormOptions } from './layernorm.js';
export { Dropout } from './dropout.js';
export { Sequential, ModuleList, ModuleDict } from './containers.js';
export { ReLU, GELU, Sigmoid, Tanh, Softmax, LogSoftmax } from './activations.js';
export { CrossEntropyLoss, NLLLoss, MSELoss, BCEWithLogitsLoss } from './losses.js';
export * as F from './functional.js';
export type { Reduction, NLLOptions, CrossEntropyOptions, BCEWithLogitsOptions } from './functional.js';
export { attention, scaledDotProductAttention, type AttentionOptions, type ScaledDotProductAttentionOptions } from './attention.js';
export { MultiheadAttention, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions } from './multihead-attention.js';
export {
  TransformerEncoderLayer, TransformerDecoderLayer, type TransformerLayerOptions, type Activation,
  type EncoderLayerForwardOptions, type DecoderLayerForwardOptions,
} from './transformer-layers.js';
export { TransformerEncoder, TransformerDecoder, Transformer, generateSquareSubsequentMask, type TransformerOptions } from './transformer.js';
export { SinusoidalPositionalEncoding } from './positional-encoding.js';
export { LinearAttention, LinearAttentionState, causalLinearAttention } from './linear-attention.js';
export { AdditiveAttention } from './additive-attention.js';
export { RNN, LSTM, GRU, RecurrentBase, detachState, type RecurrentOptions, type RNNOptions, type RecurrentForwardOptions, type LSTMState, type RecurrentState } from './rnn.js';
export { RNNCell, LSTMCell, GRUCell, type CellOptions, type RNNCellOptions } from './rnn-cells.js';
export { gradientFlow } from './gradient-flow.js';
export { Conv1d, Conv2d, conv1d, conv2d, type ConvOptions, type ConvModuleOptions, type ConvPadding, type PaddingMode } from './conv.js';
export {
  MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, maxPool2d, avgPool2d, adaptiveAvgPool2d,
  type MaxPool2dOptions, type AvgPool2dOptions, type AdaptiveSize,
} from './pooling.js';
export { BatchNorm1d, BatchNorm2d, batchNorm, type BatchNormOptions, type BatchNormFunctionalOptions } from './batchnorm.js';
export { Mlp } from './mlp.js';
export { SqueezeExcitation, type SqueezeExcitationOptions } from './squeeze-excitation.js';
export { WindowAttention, SwinBlock, PatchMerging, windowPartition, windowReverse, roll, type SwinBlockOptions } from './swin.js';
