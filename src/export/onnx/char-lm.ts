/**
 * The character LMs of the char-lm task as ONNX models (opset 17): input `ids` int64 (batch, time),
 * both axes dynamic; output `logits` float32 (batch, time, vocab), from a zero state (recurrent
 * models) or over the window (GPT, Markov; a GPT reads at most blockSize positions).
 *
 *   rnn, lstm, gru   ONNX's RNN / LSTM / GRU operators, one per layer (recurrent.ts)
 *   gpt, linear-gpt  standard operators: MatMul, Softmax, LayerNormalization, a causal mask (transformer.ts)
 *   markov           Gather of the embedding, then the head
 *
 * metadata_props: `task` (char-lm), `model` (the name), `config` (the model config as JSON, vocabSize
 * included), `vocab` (the characters in id order, a JSON array), `loom_version`.
 *
 * Browser-safe: it builds bytes, and writes no file.
 *
 * @example
 *   const { lm, vocab, spec, config } = loadCharLM(loadCheckpoint('runs/lstm'));
 *   const bytes = charLMToOnnx({ model: spec.name, config, vocab: vocab.chars, weights: moduleWeights(lm.module) });
 */
import { GraphBuilder } from '../../io/onnx/graph.js';
import { DataType } from '../../io/onnx/proto.js';
import { onnxFile, type ModelExport } from './file.js';
import { embedding, linear, Weights } from './layers.js';
import { recurrentGraph, type Cell } from './recurrent.js';
import { transformerGraph } from './transformer.js';

export { moduleWeights, ONNX_OPSET } from './file.js';

/** The models `charLMToOnnx` exports. */
export const ONNX_CHAR_LM_MODELS = ['rnn', 'lstm', 'gru', 'gpt', 'linear-gpt', 'markov'] as const;

/** A character LM's export: the model, config and weights, and the vocabulary. */
export interface CharLMExport extends ModelExport {
  /** The characters in id order. */
  vocab: readonly string[];
}

/** The bytes of the .onnx file of a character LM. Throws for a model it does not know. */
export function charLMToOnnx(m: CharLMExport): Uint8Array {
  const c = m.config as Record<string, never>;
  const V = c.vocabSize as number;
  if (m.vocab.length !== V) throw new Error(`ONNX export: a vocabulary of ${m.vocab.length} characters for a model with vocabSize ${V}`);
  const w = new Weights(m.weights, m.model);
  const g = new GraphBuilder(`loom_char_lm_${m.model.replace(/-/g, '_')}`);
  const ids = g.input('ids', DataType.INT64, ['batch', 'time']);
  let logits: string;
  switch (m.model) {
    case 'rnn':
    case 'lstm':
    case 'gru':
      logits = recurrentGraph(g, w, { cell: m.model as Cell, vocabSize: V, embed: c.embed, hidden: c.hidden, layers: c.layers }, ids);
      break;
    case 'gpt':
    case 'linear-gpt':
      logits = transformerGraph(g, w, {
        vocabSize: V, blockSize: c.blockSize, nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd, tiedHead: c.tiedHead,
        attention: m.model === 'gpt' ? 'softmax' : 'linear',
      }, ids);
      break;
    case 'markov':
      logits = linear(g, w, 'head', embedding(g, w, 'emb.weight', ids));
      break;
    default:
      throw new Error(`ONNX export: no exporter for the model '${m.model}' (known: ${ONNX_CHAR_LM_MODELS.join(', ')})`);
  }
  g.output(logits, 'logits', DataType.FLOAT, ['batch', 'time', V]);
  return onnxFile(g, 'char-lm', m, `ids int64 (batch, time) -> logits float32 (batch, time, ${V}), from a zero state`, { vocab: m.vocab });
}
