/** `loom parity DIR`: runs every PyTorch parity case in a directory. */
import { runDirectory } from '../parity/runner.js';
import { UsageError, type Command } from './args.js';

export const parityCommand: Command = {
  name: 'parity',
  summary: 'run PyTorch parity cases (*.safetensors) against Loom',
  usage: 'loom parity DIR [DIR...]',
  options: {},
  help: {},
  run(_values, dirs) {
    if (dirs.length === 0) throw new UsageError("parity: give a directory of cases, e.g. 'loom parity test/parity'");
    let failed = 0;
    for (const d of dirs) failed += runDirectory(d).failed;
    return failed ? 1 : 0;
  },
};
