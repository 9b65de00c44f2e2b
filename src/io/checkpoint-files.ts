/**
 * Checkpoints where there is no file system: the browser (and any runtime with `fetch`). A checkpoint is
 * the same set of files as on disk (checkpoint.ts), so a directory that `loom train` wrote can be served
 * as it is and read here, and the files a run in the page saves (`MemoryRunStorage.checkpoint`) can be
 * written to a directory that `loom train --resume` continues. Every file is checked against the SHA-256
 * its config.json records, as on Node.
 *
 * @example
 *   const ckpt = await fetchCheckpoint('/runs/lstm/checkpoint/');        // served as written
 *   const ckpt2 = await checkpointFromFiles(input.files!);              // <input type=file multiple>
 *   const { lm, vocab } = loadCharLM(ckpt);
 */
import { CheckpointError, decodeCheckpoint, type Checkpoint, type CheckpointFiles } from './checkpoint.js';

/** The files a checkpoint may hold besides config.json, for one that records no digests (older ones). */
const KNOWN_FILES = ['model.safetensors', 'optimizer.safetensors', 'hidden.safetensors'];

/**
 * Reads the checkpoint directory at `url` (its config.json, then every file that config names) and
 * decodes it. Throws a CheckpointError naming the URL when a file cannot be fetched or is damaged.
 */
export async function fetchCheckpoint(url: string | URL, fetchFile: typeof fetch = fetch): Promise<Checkpoint> {
  const base = new URL(String(url).endsWith('/') ? String(url) : `${String(url)}/`, globalThis.location?.href);
  const get = async (name: string, required: boolean): Promise<Uint8Array | null> => {
    let res: Response;
    try {
      res = await fetchFile(new URL(name, base));
    } catch (e) {
      throw new CheckpointError(`checkpoint file '${new URL(name, base)}' cannot be fetched (${(e as Error).message})`);
    }
    if (!res.ok) {
      if (!required && res.status === 404) return null;
      throw new CheckpointError(`checkpoint file '${new URL(name, base)}' cannot be fetched (HTTP ${res.status})`);
    }
    return new Uint8Array(await res.arrayBuffer());
  };
  const config = (await get('config.json', true))!;
  const files: CheckpointFiles = new Map([['config.json', config]]);
  const names = recordedFiles(config);
  for (const name of names ?? KNOWN_FILES) {
    const bytes = await get(name, names === null);
    if (bytes) files.set(name, bytes);
  }
  return decodeCheckpoint(files, base.href.replace(/\/$/, ''));
}

/** A file as `<input type=file>`, drag and drop, OPFS and `new File(...)` give it. */
export interface NamedBlob {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/**
 * Decodes a checkpoint from its files picked by the user (config.json, model.safetensors, ...; any
 * order, other files ignored). `where` names it in errors.
 */
export async function checkpointFromFiles(picked: Iterable<NamedBlob> | ArrayLike<NamedBlob>, where = 'the chosen files'): Promise<Checkpoint> {
  const files: CheckpointFiles = new Map();
  for (const f of Array.from(picked as ArrayLike<NamedBlob>)) {
    const name = f.name.split('/').pop()!;
    if (name === 'config.json' || name.endsWith('.safetensors')) files.set(name, new Uint8Array(await f.arrayBuffer()));
  }
  if (!files.has('config.json')) throw new CheckpointError(`${where} hold no config.json: choose every file of the checkpoint directory`);
  return decodeCheckpoint(files, where);
}

/** The files a config.json records digests for, or null when it records none (or is not JSON: decoding says why). */
function recordedFiles(config: Uint8Array): string[] | null {
  try {
    const digests = (JSON.parse(new TextDecoder().decode(config)) as { digests?: unknown }).digests;
    if (typeof digests !== 'object' || digests === null) return null;
    return Object.keys(digests).filter((n) => /^[\w.-]+$/.test(n) && n !== 'config.json');
  } catch {
    return null;
  }
}
