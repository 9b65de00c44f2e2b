/**
 * `loom sample`: continues a prompt with a trained checkpoint, streaming each character to stdout as it
 * is generated. The same checkpoint, prompt, options and seed always give the same text.
 */
import { noGrad } from '../core/autograd.js';
import { Generator } from '../core/random.js';
import { loadCheckpoint } from '../io/checkpoint-dir.js';
import { loadCharLM } from '../tasks/char-lm/index.js';
import { generate, type SamplingOptions } from '../models/sampling.js';
import { num, requiredFlag, UsageError, type Command } from './args.js';

export const sampleCommand: Command = {
  name: 'sample',
  summary: 'generate text from a trained checkpoint, streamed as it is generated',
  usage: 'loom sample --checkpoint DIR [--prompt TEXT] [--max-tokens N] [--greedy | --temperature T --top-k K --top-p P] [--seed S]',
  options: {
    checkpoint: { type: 'string' },
    prompt: { type: 'string' },
    'max-tokens': { type: 'string' },
    greedy: { type: 'boolean' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
  },
  help: {
    'checkpoint DIR': 'a checkpoint directory, or a training run directory (--out of loom train)',
    'prompt TEXT': 'text to continue; every character must be in the checkpoint\'s vocabulary (default: a new line)',
    'max-tokens N': 'characters to generate (default 500)',
    greedy: 'always take the most likely character (deterministic, no sampling)',
    'temperature T': 'divide the logits by T before sampling (default 1; lower is more conservative)',
    'top-k K': 'sample among the K most likely characters only',
    'top-p P': 'sample among the most likely characters whose probabilities add up to P (nucleus sampling)',
    'seed S': 'random seed of the sampling (default 0)',
  },
  run(v) {
    const checkpointDir = requiredFlag(v, 'checkpoint', 'DIR', 'sample');
    const maxTokens = num(v, 'max-tokens', 500, { int: true, min: 0 });
    const seed = num(v, 'seed', 0, { int: true });
    const opts = samplingOptions(v);
    const { vocab, lm } = loadCharLM(loadCheckpoint(checkpointDir));
    const given = typeof v.prompt === 'string' && v.prompt !== '';
    // without a prompt the text starts as after a line break (or the first character of the vocabulary)
    const prompt = given ? (v.prompt as string) : vocab.chars.includes('\n') ? '\n' : vocab.chars[0];
    let n = 0;
    for (const ch of prompt) {
      if (!vocab.chars.includes(ch))
        throw new UsageError(`the prompt's character ${JSON.stringify(ch)} (U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) at position ${n} is not in the checkpoint's vocabulary of ${vocab.size} characters`);
      n++;
    }
    if (given) process.stdout.write(prompt);
    noGrad(() => {
      lm.module.eval();
      generate(lm.decoder(), vocab.encode(prompt), maxTokens, opts, new Generator(seed), (id) => process.stdout.write(vocab.decode([id])));
    });
    process.stdout.write('\n');
    return 0;
  },
};

function samplingOptions(v: Record<string, string | boolean | undefined>): SamplingOptions {
  if (v.greedy) {
    const extra = ['temperature', 'top-k', 'top-p'].filter((k) => v[k] !== undefined);
    if (extra.length) throw new UsageError(`--greedy picks the most likely character and takes no ${extra.map((k) => `--${k}`).join(', ')}`);
    return { greedy: true };
  }
  const temperature = num(v, 'temperature', 1);
  if (!(temperature > 0)) throw new UsageError(`--temperature must be > 0, got '${String(v.temperature)}'`);
  const topK = v['top-k'] === undefined ? undefined : num(v, 'top-k', 0, { int: true, min: 1 });
  const topP = v['top-p'] === undefined ? undefined : num(v, 'top-p', 1);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new UsageError(`--top-p must be in (0, 1], got '${String(v['top-p'])}'`);
  return { temperature, topK, topP };
}
