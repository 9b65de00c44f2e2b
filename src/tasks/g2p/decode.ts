/**
 * Decoding a Seq2SeqModel: batched greedy search and batched beam search with length normalisation.
 * The model runs on tensors; the search itself (choosing tokens, keeping hypotheses) reads each step's
 * log-probabilities as one typed array, which is data bookkeeping, not a hot tensor loop.
 *
 *   greedy:  y_t = argmax_v log p(v | y_<t, x), until `</s>` or maxSteps
 *   beam:    K hypotheses per word; each step keeps the K best extensions by log p(y_<=t | x); a
 *            hypothesis ending in `</s>` is finished with score log p(y | x) / |y|^alpha (|y| counts
 *            `</s>`; alpha = 1 by default, 0 = no normalisation); a word stops when K are finished
 *            (or at maxSteps, when its live hypotheses are finished as they are).
 *
 * With K = 1, beam search returns exactly the greedy result.
 *
 * @example
 *   const [best] = greedyDecode(model, src, srcPad, { maxSteps: 30 });   // per word: ids without <s>, </s>
 *   const hyps = beamDecode(model, src, srcPad, { beam: 5, nbest: 3 });  // per word: up to 3 hypotheses
 */
import { noGrad } from '../../core/autograd.js';
import { fromArray } from '../../core/creation.js';
import type { Tensor } from '../../core/tensor.js';
import { BOS, EOS } from '../../data/symbol-vocab.js';
import type { Seq2SeqModel } from '../../models/seq2seq.js';

/** One decoded sequence. */
export interface Hypothesis {
  /** Target ids, without `<s>` and `</s>`. */
  ids: number[];
  /** Sum of the log-probabilities of the ids and of `</s>` (when it was reached). */
  logProb: number;
  /** The ranking score: logProb / length^alpha (greedy: logProb). */
  score: number;
  /** Per output step (ids and `</s>`), the attention over the source's real letters; with `attention: true`. */
  attention?: Float32Array[];
}

export interface DecodeOptions {
  /** Longest output, `</s>` included. */
  maxSteps: number;
  /** Keep the alignment rows (default false). */
  attention?: boolean;
}

export interface BeamOptions extends DecodeOptions {
  /** Beam width K (>= 1). */
  beam: number;
  /** Hypotheses returned per word (1..K, default 1). */
  nbest?: number;
  /** Length-normalisation exponent alpha (default 1). */
  alpha?: number;
}

/** Real (not padding) source lengths of srcPad (B, S). */
function sourceLengths(srcPad: Tensor): number[] {
  const [B, S] = srcPad.shape;
  const pad = srcPad.toArray();
  return Array.from({ length: B }, (_, b) => {
    let n = 0;
    for (let j = 0; j < S; j++) if (!pad[b * S + j]) n++;
    return n;
  });
}

/** (B, V) log-probabilities of a step's logits, as one array. */
function logProbs(logits: Tensor): Float32Array {
  return logits.logSoftmax(1).toArray() as Float32Array;
}

/** Greedy decoding of every word of the batch; one hypothesis per word. */
export function greedyDecode<M, S>(model: Seq2SeqModel<M, S>, src: Tensor, srcPad: Tensor, { maxSteps, attention = false }: DecodeOptions): Hypothesis[] {
  return noGrad(() => {
    const B = src.shape[0];
    const lens = sourceLengths(srcPad);
    const memory = model.encode(src, srcPad);
    let state = model.initDecoder(memory);
    const V = model.tgtVocabSize;
    const out: Hypothesis[] = Array.from({ length: B }, () => ({ ids: [], logProb: 0, score: 0, ...(attention ? { attention: [] } : {}) }));
    const done = new Uint8Array(B);
    let prev = new Int32Array(B).fill(BOS);
    for (let t = 0; t < maxSteps && done.some((d) => !d); t++) {
      const r = model.step(memory, state, fromArray(prev, [B], { dtype: 'int32' }));
      state = r.state;
      const lp = logProbs(r.logits);
      const a = attention ? (r.attention.toArray() as Float32Array) : null;
      const Sx = r.attention.shape[1];
      for (let b = 0; b < B; b++) {
        let best = 2; // <pad> and <s> are never chosen
        for (let v = 3; v < V; v++) if (lp[b * V + v] > lp[b * V + best]) best = v;
        prev[b] = best;
        if (done[b]) continue;
        const h = out[b];
        h.logProb += lp[b * V + best];
        if (a) h.attention!.push(a.slice(b * Sx, b * Sx + lens[b]));
        if (best === EOS) done[b] = 1;
        else h.ids.push(best);
      }
      prev = Int32Array.from(prev);
    }
    for (const h of out) h.score = h.logProb;
    return out;
  });
}

interface Node {
  token: number;
  parent: Node | null;
  attention: Float32Array | null;
}

function unwind(node: Node): { ids: number[]; attention: Float32Array[] } {
  const ids: number[] = [];
  const attention: Float32Array[] = [];
  for (let n: Node | null = node; n && n.parent !== null; n = n.parent) {
    ids.push(n.token);
    if (n.attention) attention.push(n.attention);
  }
  return { ids: ids.reverse(), attention: attention.reverse() };
}

/** Beam search for every word of the batch; up to `nbest` hypotheses per word, best first. */
export function beamDecode<M, S>(model: Seq2SeqModel<M, S>, src: Tensor, srcPad: Tensor, opts: BeamOptions): Hypothesis[][] {
  const { maxSteps, beam: K, nbest = 1, alpha = 1, attention = false } = opts;
  if (!Number.isInteger(K) || K < 1) throw new RangeError(`beamDecode: beam must be an integer >= 1, got ${K}`);
  if (!Number.isInteger(nbest) || nbest < 1 || nbest > K) throw new RangeError(`beamDecode: nbest must be an integer in [1, beam = ${K}], got ${nbest}`);
  return noGrad(() => {
    const B = src.shape[0];
    const V = model.tgtVocabSize;
    const lens = sourceLengths(srcPad);
    const rows = B * K;
    const expand = fromArray(Int32Array.from({ length: rows }, (_, r) => Math.floor(r / K)), [rows], { dtype: 'int32' });
    const memory = model.selectMemory(model.encode(src, srcPad), expand);
    let state = model.initDecoder(memory);
    const root: Node = { token: BOS, parent: null, attention: null };
    let nodes: Node[] = Array.from({ length: rows }, () => root);
    let scores = new Float64Array(rows).fill(-Infinity);
    for (let b = 0; b < B; b++) scores[b * K] = 0; // one live hypothesis per word at the start
    const finished: { node: Node; logProb: number; score: number; length: number }[][] = Array.from({ length: B }, () => []);
    const done = new Uint8Array(B);
    const norm = (logProb: number, length: number) => (alpha === 0 ? logProb : logProb / Math.pow(length, alpha));
    let prev = new Int32Array(rows).fill(BOS);

    for (let t = 0; t < maxSteps && done.some((d) => !d); t++) {
      const r = model.step(memory, state, fromArray(prev, [rows], { dtype: 'int32' }));
      const lp = logProbs(r.logits);
      const Sx = r.attention.shape[1];
      const a = attention ? (r.attention.toArray() as Float32Array) : null;
      const parents = new Int32Array(rows);
      const nextPrev = new Int32Array(rows);
      const nextScores = new Float64Array(rows).fill(-Infinity);
      const nextNodes: Node[] = nodes.slice();
      for (let b = 0; b < B; b++) {
        for (let k = 0; k < K; k++) parents[b * K + k] = b * K; // dead rows follow a live one
        if (done[b]) continue;
        // the 2K best extensions of the word's live hypotheses (token 0, <pad>, and <s> never)
        const cand: { row: number; v: number; s: number }[] = [];
        for (let k = 0; k < K; k++) {
          const row = b * K + k;
          if (scores[row] === -Infinity) continue;
          for (let v = 2; v < V; v++) {
            const s = scores[row] + lp[row * V + v];
            if (cand.length < 2 * K || s > cand[cand.length - 1].s) {
              cand.push({ row, v, s });
              cand.sort((x, y) => y.s - x.s || x.row - y.row || x.v - y.v);
              if (cand.length > 2 * K) cand.pop();
            }
          }
        }
        let live = 0;
        for (const c of cand) {
          if (live === K) break;
          const node: Node = { token: c.v, parent: nodes[c.row], attention: a ? a.slice(c.row * Sx, c.row * Sx + lens[b]) : null };
          const length = t + 1;
          if (c.v === EOS) {
            if (finished[b].length < K) finished[b].push({ node, logProb: c.s, score: norm(c.s, length), length });
          } else {
            const row = b * K + live++;
            parents[row] = c.row;
            nextPrev[row] = c.v;
            nextScores[row] = c.s;
            nextNodes[row] = node;
          }
        }
        if (finished[b].length >= K || t === maxSteps - 1) {
          if (t === maxSteps - 1)
            for (let k = 0; k < live; k++) {
              const row = b * K + k;
              finished[b].push({ node: nextNodes[row], logProb: nextScores[row], score: norm(nextScores[row], t + 1), length: t + 1 });
            }
          done[b] = 1;
        }
      }
      state = model.selectState(r.state, fromArray(parents, [rows], { dtype: 'int32' }));
      scores = nextScores;
      nodes = nextNodes;
      prev = nextPrev;
    }
    return finished.map((list) =>
      list
        .map((f, i) => ({ f, i }))
        .sort((x, y) => y.f.score - x.f.score || x.i - y.i)
        .slice(0, nbest)
        .map(({ f }) => {
          const { ids, attention: rows } = unwind(f.node);
          const endsWithEos = ids[ids.length - 1] === EOS;
          return {
            ids: endsWithEos ? ids.slice(0, -1) : ids,
            logProb: f.logProb,
            score: f.score,
            ...(attention ? { attention: rows } : {}),
          };
        }),
    );
  });
}
