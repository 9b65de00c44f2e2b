/**
 * The grapheme-to-phoneme models of the g2p task as ONNX models (opset 17), teacher-forced, encoder and
 * decoder in one graph:
 *
 *   inputs   graphemes int64 (batch, letters): letter ids, 0 = padding after a word's end
 *            phonemes  int64 (batch, steps): `<s>` (id 1) then the phonemes so far (0 = padding)
 *   output   logits float32 (batch, steps, V): the scores of the phoneme after each prefix
 *
 * Greedy decoding runs the graph with phonemes = [<s>], appends the arg max over ids >= 2 of the last
 * step's logits (`</s>` is id 2; `<pad>` and `<s>` are never chosen), and runs it again until `</s>` or
 * maxLetters + 1 steps, as `loom predict` decodes (docs/INTEROP.md has the loop). Each run recomputes
 * the encoder and the prefix: O(steps^2) for a word, which at G2P's lengths costs little.
 *
 *   transformer      g2p-transformer.ts: standard operators, the sinusoidal table an initializer
 *   lstm-attention   g2p-lstm.ts: ONNX's LSTM (bidirectional encoder), the decoder an ONNX Loop
 *
 * metadata_props: `task` (g2p), `model`, `config`, `letters` and `phonemes` (the symbols in id order,
 * JSON arrays, `<pad>` `<s>` `</s>` first), `maxLetters`, `specialIds` ({"pad": 0, "bos": 1, "eos": 2}),
 * `loom_version`.
 *
 * @example
 *   const { spec, letters, phonemes, predictor, taskConfig } = loadG2P(loadCheckpoint('runs/g2p'));
 *   const bytes = g2pToOnnx({ model: spec.name, config, weights: moduleWeights(predictor.model), letters: letters.symbols, phonemes: phonemes.symbols, maxLetters: taskConfig.maxLetters });
 */
import { GraphBuilder } from '../../io/onnx/graph.js';
import { DataType } from '../../io/onnx/proto.js';
import { onnxFile, type ModelExport } from './file.js';
import { g2pLSTMGraph, type G2PLSTMConfig } from './g2p-lstm.js';
import { g2pTransformerGraph, type G2PTransformerConfig } from './g2p-transformer.js';
import { Weights } from './layers.js';

/** The models `g2pToOnnx` exports. */
export const ONNX_G2P_MODELS = ['transformer', 'lstm-attention'] as const;

/** A G2P model's export: model, config and weights, and the two vocabularies. */
export interface G2PExport extends ModelExport {
  /** The letters in id order (`<pad>` first). */
  letters: readonly string[];
  /** The phonemes in id order (`<pad>`, `<s>`, `</s>` first). */
  phonemes: readonly string[];
  /** The longest word the model reads. */
  maxLetters: number;
}

/** The bytes of the .onnx file of a G2P model. Throws for a model it does not know. */
export function g2pToOnnx(m: G2PExport): Uint8Array {
  const c = m.config as Record<string, never>;
  const V = c.tgtVocabSize as number;
  if (m.letters.length !== c.srcVocabSize || m.phonemes.length !== V)
    throw new Error(`ONNX export: ${m.letters.length} letters and ${m.phonemes.length} phonemes for a model with srcVocabSize ${c.srcVocabSize} and tgtVocabSize ${V}`);
  const w = new Weights(m.weights, m.model);
  const g = new GraphBuilder(`loom_g2p_${m.model.replace(/-/g, '_')}`);
  const src = g.input('graphemes', DataType.INT64, ['batch', 'letters']);
  const tgt = g.input('phonemes', DataType.INT64, ['batch', 'steps']);
  let logits: string;
  if (m.model === 'transformer') logits = g2pTransformerGraph(g, w, c as unknown as G2PTransformerConfig, src, tgt);
  else if (m.model === 'lstm-attention') logits = g2pLSTMGraph(g, w, c as unknown as G2PLSTMConfig, src, tgt);
  else throw new Error(`ONNX export: no exporter for the g2p model '${m.model}' (known: ${ONNX_G2P_MODELS.join(', ')})`);
  g.output(logits, 'logits', DataType.FLOAT, ['batch', 'steps', V]);
  return onnxFile(g, 'g2p', m, `graphemes int64 (batch, letters), phonemes int64 (batch, steps) from <s> -> logits float32 (batch, steps, ${V}) of the next phoneme`, {
    letters: m.letters,
    phonemes: m.phonemes,
    maxLetters: m.maxLetters,
    specialIds: { pad: 0, bos: 1, eos: 2 },
  });
}
