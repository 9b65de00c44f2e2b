/**
 * `loom export`: a trained checkpoint in a format that other engines run.
 *
 *   --format onnx      one .onnx file (opset 17): ids int64 (batch, time) -> logits (batch, time, vocab),
 *                      for ONNX Runtime (CPU, GPU, web, mobile); vocabulary and config in its metadata
 *   --format pytorch   a directory: model.py (PyTorch's own layers, load(OUT)), model.safetensors
 *                      (PyTorch keys), config.json (config and vocab), for training on in PyTorch
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { charLMToOnnx, moduleWeights } from '../export/onnx/index.js';
import { charLMToPyTorch } from '../export/pytorch/index.js';
import { loadCheckpoint } from '../io/checkpoint-dir.js';
import { loadCharLM } from '../tasks/char-lm/index.js';
import { UsageError, type Command } from './args.js';

const FORMATS = ['onnx', 'pytorch'];

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a checkpoint as an ONNX model or a PyTorch module with its weights',
  usage: 'loom export --checkpoint DIR --format onnx|pytorch --out PATH',
  options: {
    checkpoint: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  },
  help: {
    'checkpoint DIR': 'a checkpoint directory, or a training run directory (--out of loom train)',
    'format onnx': 'one .onnx file (opset 17): ids int64 (batch, time) -> logits (batch, time, vocab), for ONNX Runtime',
    'format pytorch': 'a directory with model.py (load(OUT) returns the module), model.safetensors and config.json',
    'out PATH': 'the .onnx file (onnx) or the directory (pytorch) to write; replaced when it exists',
  },
  run(v) {
    if (typeof v.checkpoint !== 'string') throw new UsageError(`--checkpoint DIR is required; see 'loom export --help'`);
    if (typeof v.format !== 'string') throw new UsageError(`--format is required (${FORMATS.join(' or ')}); see 'loom export --help'`);
    if (!FORMATS.includes(v.format)) throw new UsageError(`--format takes ${FORMATS.join(' or ')}, got '${v.format}'`);
    if (typeof v.out !== 'string' || v.out === '') throw new UsageError(`--out PATH is required; see 'loom export --help'`);
    const { spec, config, vocab, lm } = loadCharLM(loadCheckpoint(v.checkpoint));
    const m = { model: spec.name, config, vocab: vocab.chars, weights: moduleWeights(lm.module) };
    const out = v.out;
    if (v.format === 'onnx') {
      const bytes = charLMToOnnx(m);
      if (statSync(out, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--out '${out}' is a directory; --format onnx writes one file (e.g. ${join(out, 'model.onnx')})`);
      writeOut(out, () => {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, bytes);
      });
      console.log(`wrote ${out} (${spec.name}, ONNX opset 17, ${kib(bytes.length)}): ids int64 (batch, time) -> logits (batch, time, ${vocab.size})`);
    } else {
      const files = charLMToPyTorch(m);
      const st = statSync(out, { throwIfNoEntry: false });
      if (st && !st.isDirectory()) throw new UsageError(`--out '${out}' is a file; --format pytorch writes a directory (model.py, model.safetensors, config.json)`);
      writeOut(out, () => {
        mkdirSync(out, { recursive: true });
        for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
      });
      console.log(`wrote ${out}/model.py, model.safetensors (${kib(files.get('model.safetensors')!.length)}) and config.json (${spec.name}); in Python: model.load('${out}')`);
    }
    return 0;
  },
};

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Runs a write; a file-system refusal becomes one sentence naming the path. */
function writeOut(path: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    throw new UsageError(`cannot write '${path}' (${code})`);
  }
}
