/**
 * A state dict that PyTorch saved (a safetensors file: `safetensors.torch.save_file(net.state_dict())`,
 * model.py's `save`, or the model.safetensors of a Loom export) as a Loom checkpoint at step 0, which
 * the task's commands (`loom sample`, `loom eval`, `loom predict`, ...) and `loom train --resume` accept:
 * `importCharLM` for the character LMs, `importTaskWeights` for any task's run (g2p, forecast,
 * fashion-mnist), whose model the run's task builds.
 *
 * The weights must fit the model exactly: every key the model has, no other, each of the shape the
 * config implies; a mismatch is refused naming the key and what was expected. For the char-lm models,
 * nn.MultiheadAttention's names (`attn.in_proj_weight`, `attn.out_proj.*`) are read as the GPT's
 * `attn.c_attn.*` / `attn.c_proj.*`, and a tied head may come as either of its two keys (PyTorch's
 * savers keep one of shared tensors).
 *
 * Browser-safe: bytes in, checkpoint files out.
 */
import { Generator, defaultGenerator, manualSeed } from '../../core/random.js';
import type { Tensor } from '../../core/tensor.js';
import { CharVocab } from '../../data/vocab.js';
import { CheckpointError, encodeCheckpoint, type CheckpointFiles } from '../../io/checkpoint.js';
import { nonFiniteProblem } from '../../io/finite.js';
import { parseSafetensors, SafetensorsError } from '../../io/safetensors.js';
import { fromSafeTensor } from '../../io/tensors.js';
import { Adam, AdamW } from '../../optim/adam.js';
import type { CharLMConfig } from '../../tasks/char-lm/task.js';
import type { ModelSpec } from '../../tasks/char-lm/models.js';
import { initialCheckpoint } from '../../train/loop.js';
import type { TrainOptions } from '../../train/options.js';
import type { Task } from '../../train/task.js';

/** nn.MultiheadAttention's parameter names and the GPT's. */
const MHA_KEYS: [string, string][] = [
  ['attn.in_proj_weight', 'attn.c_attn.weight'], ['attn.in_proj_bias', 'attn.c_attn.bias'],
  ['attn.out_proj.weight', 'attn.c_proj.weight'], ['attn.out_proj.bias', 'attn.c_proj.bias'],
];

export interface CharLMImport {
  /** The safetensors bytes and the file's name (for messages). */
  bytes: Uint8Array;
  file: string;
  spec: ModelSpec;
  /** The model config without vocabSize (the vocabulary's size). */
  modelConfig: Record<string, unknown>;
  vocab: CharVocab;
  /** The task settings a resumed run reads (the text file, its hash, batch, seq, ...). */
  taskConfig: CharLMConfig;
  /** The loop's settings a resumed run starts from. */
  training: TrainOptions;
}

/** The checkpoint files (step 0, a fresh optimizer) of imported weights; throws a CheckpointError naming the file and key. */
export function importCharLM(m: CharLMImport): CheckpointFiles {
  const config = { ...m.modelConfig, vocabSize: m.vocab.size };
  let model;
  try {
    model = m.spec.create(config as never).module;
  } catch (e) {
    throw new CheckpointError(`the ${m.spec.name} config ${JSON.stringify(config)} cannot be built: ${(e as Error).message}`);
  }
  model.loadStateDict(fitState(m.bytes, m.file, model.stateDict(), m.spec.name, config, { vocabSize: m.vocab.size, gptNames: true }));
  manualSeed(m.training.seed); // the generators a new run would start from
  const { optimizer, lr, weightDecay } = m.training;
  const opt = optimizer === 'adamw' ? new AdamW(model.parameters(), { lr, weightDecay }) : new Adam(model.parameters(), { lr }); // no moments yet
  const windows = new Generator(m.training.seed + 1);
  return encodeCheckpoint({
    meta: {
      task: 'char-lm',
      model: m.spec.name,
      config,
      vocab: m.vocab.toJSON(),
      taskConfig: m.taskConfig as unknown as Record<string, unknown>,
      training: m.training as unknown as Record<string, unknown>,
      step: 0,
      taskState: m.spec.recurrent ? { position: 0, rng: windows.getState() } : { rng: windows.getState() },
      rng: defaultGenerator.getState(),
    },
    model,
    optimizer: opt.stateDict(),
  });
}

export interface TaskWeightsImport {
  /** The safetensors bytes and the file's name (for messages). */
  bytes: Uint8Array;
  file: string;
  /** The run the weights start: its task builds the model, its options are what a resumed run trains with. */
  task: Task<unknown, unknown, unknown>;
  options: TrainOptions;
}

/** The checkpoint files (step 0) of the run `task`, `options` with the file's weights; throws a CheckpointError naming the file and key. */
export function importTaskWeights({ bytes, file, task, options }: TaskWeightsImport): CheckpointFiles {
  return initialCheckpoint(task, options, (own) => {
    const { name, config } = task.describeModel();
    return fitState(bytes, file, own, name, config, {});
  });
}

/**
 * The file's tensors as the model's state dict, every key and shape checked against `own`. With
 * `gptNames`, nn.MultiheadAttention's names and a tied head saved once are read as the GPT's.
 */
function fitState(bytes: Uint8Array, file: string, own: Map<string, Tensor>, model: string, config: Record<string, unknown>, { vocabSize, gptNames = false }: { vocabSize?: number; gptNames?: boolean }): Map<string, Tensor> {
  let parsed;
  try {
    parsed = parseSafetensors(bytes, file);
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw e;
    throw new CheckpointError(`'${file}' is not a valid safetensors file: ${e.message.replace(/^safetensors: /, '')}`);
  }
  const given = new Map<string, Tensor>();
  for (const [key, t] of parsed.tensors) {
    const k = !gptNames ? key : MHA_KEYS.reduce((name, [torch, loom]) => (name.endsWith(`.${torch}`) ? name.slice(0, -torch.length) + loom : name), key);
    if (!['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)) throw new CheckpointError(`'${file}' holds '${key}' as ${t.dtype}, expected a float tensor (F32)`);
    given.set(k, fromSafeTensor(t, `${file}: ${key}`));
  }
  if (gptNames && config.tiedHead === true) {
    const [wte, head] = [given.get('transformer.wte.weight'), given.get('lm_head.weight')];
    if (wte && !head) given.set('lm_head.weight', wte);
    if (head && !wte) given.set('transformer.wte.weight', head);
    if (wte && head && wte.toArray().some((v, i) => v !== head.toArray()[i]))
      throw new CheckpointError(`'${file}' has an 'lm_head.weight' that differs from 'transformer.wte.weight', but the ${model} config ties them (tiedHead true)`);
  }
  const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;
  for (const [k, want] of own) {
    const t = given.get(k);
    if (!t) throw new CheckpointError(`'${file}' lacks '${k}' of shape ${shape(want)}, which the ${model} model with ${describe(config)} needs`);
    if (t.shape.join() !== want.shape.join()) {
      const vocabHint = t.shape[0] !== want.shape[0] && want.shape[0] === vocabSize ? ` (the vocabulary has ${vocabSize} characters)` : '';
      throw new CheckpointError(`'${file}' has '${k}' of shape ${shape(t)}, but the ${model} model with ${describe(config)} needs ${shape(want)}${vocabHint}`);
    }
  }
  const extra = [...given.keys()].filter((k) => !own.has(k));
  if (extra.length) {
    const listed = extra.slice(0, 4).map((k) => `'${k}'`).join(', ') + (extra.length > 4 ? ` and ${extra.length - 4} more` : '');
    throw new CheckpointError(`'${file}' has ${listed}, which the ${model} model with ${describe(config)} does not have (is --model or --layers wrong?)`);
  }
  const problem = nonFiniteProblem(given);
  if (problem) throw new CheckpointError(`'${file}' cannot be imported: ${problem}`);
  return given;
}

const describe = (config: Record<string, unknown>) => Object.entries(config).filter(([, v]) => typeof v === 'number').map(([k, v]) => `${k} ${v}`).join(', ');
