/** A python3 that can import torch, for the tests that run exported PyTorch code (Debian's python3-torch). */
import { spawnSync } from 'node:child_process';

let found: string | null | undefined;

/** The first of $LOOM_PYTHON, python3 and /usr/bin/python3 that imports torch, or null. */
export function torchPython(): string | null {
  if (found !== undefined) return found;
  const candidates = [process.env.LOOM_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  found = candidates.find((py) => spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
  return found;
}

/** Why the PyTorch tests skip, or false when they run. */
export function torchSkip(): string | false {
  return torchPython() ? false : 'no python3 with torch here (apt-get install python3-torch, or set LOOM_PYTHON)';
}
