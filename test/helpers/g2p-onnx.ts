/** Greedy decoding with an exported G2P graph (ONNX Runtime), as docs/INTEROP.md shows it. */
import * as ort from 'onnxruntime-node';

export const i64 = (ids: ArrayLike<number>, dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(Array.from(ids), BigInt), dims);

/** The phoneme ids of one word's letter ids: the prefix grows by the arg max over ids >= 2 until </s> (2) or maxSteps. */
export async function onnxGreedy(session: ort.InferenceSession, word: ArrayLike<number>, maxSteps: number): Promise<number[]> {
  const out = [1]; // <s>
  for (let t = 0; t < maxSteps; t++) {
    const { logits } = await session.run({ graphemes: i64(word, [1, word.length]), phonemes: i64(out, [1, out.length]) });
    const V = logits.dims[2];
    const last = (logits.data as Float32Array).subarray((out.length - 1) * V, out.length * V);
    let best = 2;
    for (let v = 3; v < V; v++) if (last[v] > last[best]) best = v;
    if (best === 2) break;
    out.push(best);
  }
  return out.slice(1);
}
