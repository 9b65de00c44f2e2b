/** A python3 that can import torch (or another module), for the tests that run exported models in Python (Debian's python3-torch, python3-onnx). */
import { spawnSync } from 'node:child_process';

const found = new Map<string, string | null>();

/** The first of $LOOM_PYTHON, python3 and /usr/bin/python3 that imports `module`, or null. */
export function pythonWith(module: string): string | null {
  if (!found.has(module)) {
    const candidates = [process.env.LOOM_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
    found.set(module, candidates.find((py) => spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0) ?? null);
  }
  return found.get(module)!;
}

/** A python3 that imports torch, or null. */
export const torchPython = (): string | null => pythonWith('torch');

/** Why the tests that need `module` (default torch) skip, or false when they run. */
export function pythonSkip(module = 'torch', debianPackage = 'python3-torch'): string | false {
  return pythonWith(module) ? false : `no python3 with ${module} here (apt-get install ${debianPackage}, or set LOOM_PYTHON)`;
}

/** Why the PyTorch tests skip, or false when they run. */
export const torchSkip = (): string | false => pythonSkip('torch', 'python3-torch');
