/**
 * Which build of the kernels runs: loom.wasm (plain WebAssembly SIMD) or loom-relaxed.wasm (relaxed SIMD,
 * whose f32x4.relaxed_madd is a fused multiply-add where the machine has one: about twice the
 * multiply-add throughput, and one rounding instead of two, so results differ in the last bits).
 * scripts/build-wasm.mjs compiles both from the same sources (as/lib/fma.ts is the one difference).
 *
 * 'auto' (the default) takes the relaxed build where the platform validates relaxed SIMD (Chrome 114+,
 * Firefox 145+, Node 22+; Node 20 behind --experimental-wasm-relaxed-simd, which the Node entry sets,
 * see node-workers.ts), else the plain one. `LOOM_SIMD=plain|relaxed|auto` in the environment, or the
 * backend's `simd` option (createWasmBackend({ simd })), forces one.
 */

export type SimdBuild = 'plain' | 'relaxed';
export type SimdChoice = SimdBuild | 'auto';

const CHOICES: readonly SimdChoice[] = ['plain', 'relaxed', 'auto'];

/** A setting of the environment (LOOM_SIMD, ...) that is not one of its values; the CLI prints its message alone. */
export class EnvironmentError extends Error {
  override name = 'EnvironmentError';
}

/** (module (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)) */
export const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, // magic, version
  1, 8, 1, 96, 3, 123, 123, 123, 1, 123, // type: (v128, v128, v128) -> v128
  3, 2, 1, 0, // function 0 of type 0
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11, // code: the three locals, f32x4.relaxed_madd (0xfd 0x105)
]);

/** True where this platform's WebAssembly has relaxed SIMD. */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE);
}

/** Checks a choice given as a string; `where` names its source (`LOOM_SIMD`, `the simd option`). */
export function parseSimdChoice(value: string, where: string): SimdChoice {
  if ((CHOICES as readonly string[]).includes(value)) return value as SimdChoice;
  throw new EnvironmentError(`${where} must be one of ${CHOICES.join(', ')}, got '${value}'`);
}

/** LOOM_SIMD from the environment (Node.js), checked; undefined where it is not set. */
export function simdFromEnvironment(): SimdChoice | undefined {
  const value = typeof process !== 'undefined' ? process.env?.LOOM_SIMD : undefined;
  return value === undefined || value === '' ? undefined : parseSimdChoice(value, 'LOOM_SIMD');
}

/**
 * The build a choice means here: 'auto' the relaxed one where supported. Forcing 'relaxed' where it is
 * not supported is an error that says why.
 */
export function resolveSimd(choice: SimdChoice): SimdBuild {
  const supported = relaxedSimdSupported();
  if (choice === 'auto') return supported ? 'relaxed' : 'plain';
  if (choice === 'relaxed' && !supported) {
    throw new EnvironmentError(
      'relaxed SIMD was asked for (LOOM_SIMD=relaxed or simd: \'relaxed\'), but this WebAssembly cannot validate it ' +
        '(Node.js 20 needs --experimental-wasm-relaxed-simd, which loom-nn/node sets at start-up; browsers: Chrome 114+, Firefox 145+)',
    );
  }
  return choice;
}
