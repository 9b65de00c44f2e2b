// Dumps what scripts/torch_g2p.py needs to train on exactly Loom's data: the vocabularies, the
// training batches of every step (ids, as G2PTask.nextBatch makes them for the seed), and the
// validation words with their reference pronunciations. Needs the build (npm run build).
//
//   node scripts/g2p_export.mjs OUT.json --steps 2500 [--batch 64] [--seed 0] [--stress]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import '../dist/src/node.js';
import { cmudict } from '../dist/src/data/pronunciations-node.js';
import { G2PTask, G2P_DEFAULT_CONFIG, findG2PModel } from '../dist/src/tasks/g2p/index.js';

const { values: v, positionals } = parseArgs({
  allowPositionals: true,
  options: { steps: { type: 'string', default: '2500' }, batch: { type: 'string', default: '64' }, seed: { type: 'string', default: '0' }, stress: { type: 'boolean', default: false } },
});
if (positionals.length !== 1) throw new Error('usage: node scripts/g2p_export.mjs OUT.json [--steps N] [--batch B] [--seed S] [--stress]');
const dictionary = cmudict({ stress: v.stress });
const task = new G2PTask({
  config: { ...G2P_DEFAULT_CONFIG, data: 'cmudict', dataHash: '', batch: Number(v.batch), stress: v.stress },
  dictionary, model: 'transformer', modelConfig: findG2PModel('transformer').defaults, seed: Number(v.seed),
});
const batches = [];
for (let s = 0; s < Number(v.steps); s++) {
  const b = task.nextBatch();
  const rows = (t) => { const [B, T] = t.shape; const a = Array.from(t.toArray()); return Array.from({ length: B }, (_, i) => a.slice(i * T, (i + 1) * T)); };
  batches.push({ src: rows(b.src), tgtIn: rows(b.tgtIn), tgtOut: rows(b.tgtOut) });
}
const refs = (w) => dictionary.byWord.get(w).map((p) => Array.from(task.phonemes.encode(p)));
writeFileSync(positionals[0], JSON.stringify({
  letters: task.letters.symbols, phonemes: task.phonemes.symbols, batches,
  val: task.split.val.map((w) => ({ word: Array.from(task.letters.encode(w)), refs: refs(w) })),
}));
console.log(`wrote ${positionals[0]}: ${batches.length} batches, ${task.split.val.length} validation words`);
