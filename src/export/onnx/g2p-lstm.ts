/**
 * The G2P lstm-attention model (src/models/lstm-attention.ts) as an ONNX graph, teacher-forced: every
 * target position's logits given the previous phonemes. Shapes: B batch, S letters, T phonemes, E
 * embedding, H encoder hidden per direction (the decoder's is 2H), A attention width.
 *
 *   encoder: keys = BiLSTM(Gather(src_emb, src)), sequence_lens = letters per word (src != 0)   (B, S, 2H)
 *            s_0 = tanh(bridge([h_S^fwd; h_1^bwd])), c_0 = 0, ctx_0 = 0                        (B, 2H)
 *   decoder: a Loop over t = 0 .. T-1 (ONNX's Loop; the body reads the keys from the outer graph):
 *            s_t, c_t = LSTM([Gather(tgt_emb, tgt)[:, t]; ctx_{t-1}], (s_{t-1}, c_{t-1}))      one LSTM step
 *            e = score(tanh(query_proj(s_t) + key_proj(keys))), -inf at padding; a = Softmax(e)  (B, S)
 *            ctx_t = a @ keys;  logits_t = out(tanh(combine([s_t; ctx_t])))                     (B, V)
 *   logits = the Loop's scan output (T, B, V), transposed                                     (B, T, V)
 *
 * Both LSTMs are ONNX's LSTM operator (recurrent.ts: gate order converted, the encoder bidirectional).
 */
import type { GraphBuilder } from '../../io/onnx/graph.js';
import { DataType } from '../../io/onnx/proto.js';
import { embedding, linear, type Weights } from './layers.js';
import { recurrentLayer } from './recurrent.js';

export interface G2PLSTMConfig {
  embed: number;
  hidden: number;
}

/** Builds the teacher-forced graph of src (B, S), tgt (B, T) int64; returns the logits (B, T, V) value. */
export function g2pLSTMGraph(g: GraphBuilder, w: Weights, c: G2PLSTMConfig, src: string, tgt: string): string {
  const { embed: E, hidden: H } = c;
  const pad = g.node('Equal', [src, g.int64([0], [])], {}, 'padding'); // (B, S) bool
  const lens = g.node('ReduceSum', [g.node('Cast', [g.node('Not', [pad])], { to: DataType.INT32 }), g.int64([1])], { keepdims: 0 }, 'letters'); // (B) int32
  const x = g.node('Transpose', [embedding(g, w, 'src_emb.weight', src)], { perm: [1, 0, 2] }); // (S, B, E)
  const [y, yh] = recurrentLayer(g, w, x, { cell: 'lstm', prefix: 'encoder', layer: 0, input: E, hidden: H, bidirectional: true, seqLens: lens }); // Y (S, 2, B, H), Y_h (2, B, H)
  const keys = g.node('Reshape', [g.node('Transpose', [y], { perm: [2, 0, 1, 3] }), g.int64([0, 0, 2 * H])], {}, 'keys'); // (B, S, 2, H) -> (B, S, 2H)
  const last = g.node('Reshape', [g.node('Transpose', [yh], { perm: [1, 0, 2] }), g.int64([0, 2 * H])]); // (B, 2H) = [fwd; bwd]
  const s0 = g.node('Unsqueeze', [g.node('Tanh', [linear(g, w, 'bridge', last)]), g.int64([0])], {}, 's0'); // (1, B, 2H)
  const c0 = g.node('ConstantOfShape', [g.node('Shape', [s0])], {}, 'c0'); // zeros (1, B, 2H)
  const ctx0 = g.node('ConstantOfShape', [g.node('Shape', [last])], {}, 'ctx0'); // zeros (B, 2H)
  const keyProj = linear(g, w, 'attention.key_proj', keys); // (B, S, A), once for every step
  const tgtEmb = embedding(g, w, 'tgt_emb.weight', tgt); // (B, T, E)
  const T = g.node('Gather', [g.node('Shape', [tgt]), g.int64([1], [])], { axis: 0 }, 'T'); // scalar

  const body = g.subgraph('decoder_step');
  const t = body.input('decoder_t', DataType.INT64, []);
  const condIn = body.input('decoder_cond_in', DataType.BOOL, []);
  const h = body.input('decoder_h', DataType.FLOAT, [1, 'batch', 2 * H]);
  const cc = body.input('decoder_c', DataType.FLOAT, [1, 'batch', 2 * H]);
  const ctx = body.input('decoder_ctx', DataType.FLOAT, ['batch', 2 * H]);
  const prev = body.node('Gather', [tgtEmb, t], { axis: 1 }, 'prev_emb'); // (B, E)
  const inp = body.node('Unsqueeze', [body.node('Concat', [prev, ctx], { axis: 1 }), body.int64([0])]); // (1, B, E + 2H)
  const [, hNext, cNext] = recurrentLayer(body, w, inp, { cell: 'lstm', prefix: 'decoder', layer: 0, input: E + 2 * H, hidden: 2 * H, initialH: h, initialC: cc });
  const s = body.node('Squeeze', [hNext, body.int64([0])], {}, 's'); // (B, 2H)
  const q = body.node('Unsqueeze', [linear(body, w, 'attention.query_proj', s), body.int64([1])]); // (B, 1, A)
  const e = body.node('Squeeze', [linear(body, w, 'attention.score', body.node('Tanh', [body.node('Add', [q, keyProj])])), body.int64([2])], {}, 'scores'); // (B, S)
  const a = body.node('Softmax', [body.node('Where', [pad, body.float32([-Infinity]), e])], { axis: 1 }, 'alignment'); // (B, S)
  const ctxNext = body.node('Squeeze', [body.node('MatMul', [body.node('Unsqueeze', [a, body.int64([1])]), keys]), body.int64([1])], {}, 'context'); // (B, 2H)
  const o = body.node('Tanh', [linear(body, w, 'combine', body.node('Concat', [s, ctxNext], { axis: 1 }))]);
  const stepLogits = linear(body, w, 'out', o); // (B, V)
  const V = w.get('out.weight').shape[0];
  body.output(condIn, 'decoder_cond_out', DataType.BOOL, []);
  body.output(hNext, 'decoder_h_out', DataType.FLOAT, [1, 'batch', 2 * H]);
  body.output(cNext, 'decoder_c_out', DataType.FLOAT, [1, 'batch', 2 * H]);
  body.output(ctxNext, 'decoder_ctx_out', DataType.FLOAT, ['batch', 2 * H]);
  body.output(stepLogits, 'decoder_logits_t', DataType.FLOAT, ['batch', V]);

  const [, , , steps] = g.nodeN('Loop', [T, '', s0, c0, ctx0], 4, { body: body.graph() }, 'decoder'); // final h, c, ctx; scan (T, B, V)
  return g.node('Transpose', [steps], { perm: [1, 0, 2] }, 'logits_bt'); // (B, T, V)
}
