/**
 * Workloads that run the same in Node.js and in the page: each takes the library (the Node entry in a
 * test, the browser entry in the page) and returns plain numbers to compare.
 */
import type * as Loom from '../../src/index.js';

export type LoomModule = typeof Loom;

const TEXT = 'the quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. ';

/**
 * A character LSTM (embedding 16, hidden 32) trained with Adam (lr 0.01) and gradient clipping (1) on
 * a short text: `steps` steps of 4 random windows of 16 characters, seed 7. Returns the loss of each step.
 */
export function trainCharLSTM(loom: LoomModule, steps = 100): number[] {
  const { CharRNN, CharVocab, F, Generator, fromArray, manualSeed, optim } = loom;
  manualSeed(7);
  const text = TEXT.repeat(4);
  const vocab = new CharVocab(text);
  const ids = vocab.encode(text);
  const B = 4;
  const T = 16;
  const model = new CharRNN({ cell: 'lstm', vocabSize: vocab.size, embed: 16, hidden: 32, layers: 1, dropout: 0 });
  const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
  const gen = new Generator(11);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    for (let b = 0; b < B; b++) {
      const start = gen.int(0, ids.length - T - 1);
      x.set(ids.subarray(start, start + T), b * T);
      y.set(ids.subarray(start + 1, start + T + 1), b * T);
    }
    const [logits] = model.forward(fromArray(x, [B, T], { dtype: 'int32' })); // (B, T, V)
    const loss = F.crossEntropy(logits.reshape(B * T, vocab.size), fromArray(y, [B * T], { dtype: 'int32' }));
    opt.zeroGrad();
    loss.backward();
    optim.clipGradNorm(model.parameters(), 1);
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}
