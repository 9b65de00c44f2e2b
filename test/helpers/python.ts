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

/**
 * Runs the onnx package's checker (full check) and strict shape inference on every .onnx file in `dir`:
 * one line a file, `PATH [output dims]` (dim names or sizes of the first output). Throws with Python's
 * error when a file fails.
 */
export function checkOnnxFiles(dir: string): string[] {
  const script = [
    'import glob, sys, onnx',
    'for f in sorted(glob.glob(sys.argv[1] + "/*.onnx")):',
    '    m = onnx.load(f); onnx.checker.check_model(m, full_check=True)',
    '    out = onnx.shape_inference.infer_shapes(m, strict_mode=True).graph.output[0]',
    '    print(f, [d.dim_param or d.dim_value for d in out.type.tensor_type.shape.dim])',
  ].join('\n');
  const r = spawnSync(pythonWith('onnx')!, ['-c', script, dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the onnx checker refused a file in ${dir}:\n${r.stderr}`);
  return r.stdout.trim().split('\n');
}
