/**
 * `loom parity [DIR...]`: runs every PyTorch parity case in the directories and their subfolders (default: the
 * repo's test/parity, one folder per area).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runDirectory } from '../parity/runner.js';
import { UsageError, type Command } from './args.js';

/** The cases committed with Loom (this file runs from dist/src/cli/). */
const bundledCases = fileURLToPath(new URL('../../../test/parity', import.meta.url));

export const parityCommand: Command = {
  name: 'parity',
  summary: 'run PyTorch parity cases (*.safetensors) against Loom',
  usage: 'loom parity [DIR...]   (default: the cases committed in test/parity and its area folders)',
  options: {},
  positionals: 'DIR...',
  help: {},
  run(_values, dirs) {
    if (dirs.length === 0) {
      if (!existsSync(bundledCases)) throw new UsageError("parity: give a directory of cases, e.g. 'loom parity test/parity'");
      dirs = [bundledCases];
    }
    let failed = 0;
    for (const d of dirs) failed += runDirectory(d).failed;
    return failed ? 1 : 0;
  },
};
