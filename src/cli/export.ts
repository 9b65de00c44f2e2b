/**
 * `loom export`: a trained checkpoint, of any task (exporters.ts), in a format that other engines run.
 *
 *   --format onnx      one .onnx file (opset 17), e.g. ids int64 (batch, time) -> logits (batch, time,
 *                      vocab), for ONNX Runtime (CPU, GPU, web, mobile); vocabulary and config in its metadata
 *   --format pytorch   a directory: model.py (PyTorch's own layers, load(OUT)), model.safetensors
 *                      (PyTorch keys), config.json (config, vocabularies, classes, normalisation)
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCheckpoint } from '../io/checkpoint-dir.js';
import { requiredFlag, UsageError, type Command } from './args.js';
import { EXPORT_TASKS, exporterOf } from './exporters.js';

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
    'format onnx': 'one .onnx file (opset 17) for ONNX Runtime: char-lm ids -> logits; g2p graphemes, phonemes -> logits; forecast features -> forecast; fashion-mnist pixels -> logits (docs/INTEROP.md)',
    'format pytorch': 'a directory with model.py (load(OUT) returns the module), model.safetensors and config.json',
    'out PATH': 'the .onnx file (onnx) or the directory (pytorch) to write; replaced when it exists',
  },
  run(v) {
    const checkpointDir = requiredFlag(v, 'checkpoint', 'DIR', 'export');
    if (typeof v.format !== 'string') throw new UsageError(`--format is required (${FORMATS.join(' or ')}); see 'loom export --help'`);
    if (!FORMATS.includes(v.format)) throw new UsageError(`--format takes ${FORMATS.join(' or ')}, got '${v.format}'`);
    if (typeof v.out !== 'string' || v.out === '') throw new UsageError(`--out PATH is required; see 'loom export --help'`);
    const ckpt = loadCheckpoint(checkpointDir);
    const e = exporterOf(ckpt);
    if (!e) throw new UsageError(`the checkpoint's task '${ckpt.meta.task}' has no exporter (tasks with one: ${EXPORT_TASKS.join(', ')})`);
    const out = v.out;
    if (v.format === 'onnx') {
      const bytes = e.onnx();
      if (statSync(out, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`--out '${out}' is a directory; --format onnx writes one file (e.g. ${join(out, 'model.onnx')})`);
      writeOut(out, () => {
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, bytes);
      });
      console.log(`wrote ${out} (${ckpt.meta.task} ${e.model}, ONNX opset 17, ${kib(bytes.length)}): ${e.signature}`);
    } else {
      const files = e.pytorch();
      const st = statSync(out, { throwIfNoEntry: false });
      if (st && !st.isDirectory()) throw new UsageError(`--out '${out}' is a file; --format pytorch writes a directory (model.py, model.safetensors, config.json)`);
      writeOut(out, () => {
        mkdirSync(out, { recursive: true });
        for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
      });
      console.log(`wrote ${out}/model.py, model.safetensors (${kib(files.get('model.safetensors')!.length)}) and config.json (${ckpt.meta.task} ${e.model}); in Python: model.load('${out}')`);
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
