/**
 * Reference kernels of random fills: dropout masks and the uniform and normal initialisations, drawn
 * from src/core/random.ts's Generator (xoshiro128** uniforms, Box-Muller normals in float64) standing
 * for the state block the caller passes, which they leave advanced.
 */
import { heap } from '../core/memory.js';
import type { Backend, DropoutDraw, GeneratorState } from './backend.js';
import { generatorAt, storeState } from './random-state.js';

function dropoutMask(d: DropoutDraw): void {
  const g = generatorAt(d.state);
  const f = heap.f32;
  for (let i = 0; i < d.n; i++) {
    const m = g.uniform() < d.threshold ? d.below : d.above;
    f[d.mask + i] = m;
    if (d.y >= 0) f[d.y + i] = f[d.x + i] * m;
  }
  storeState(g, d.state);
}

function uniform(out: number, n: number, a: number, b: number, state: GeneratorState): void {
  const g = generatorAt(state);
  const f = heap.f32;
  for (let i = 0; i < n; i++) f[out + i] = a + (b - a) * g.uniform();
  storeState(g, state);
}

/** Stays in TypeScript on every backend: its values depend on the platform's Math.log, sin and cos. */
function normal(out: number, n: number, mean: number, std: number, state: GeneratorState): void {
  const g = generatorAt(state);
  const f = heap.f32;
  for (let i = 0; i < n; i++) f[out + i] = mean + std * g.normal();
  storeState(g, state);
}

/** The random kernels of the reference backend (spread into `referenceBackend`). */
export const randomKernels: Pick<Backend, 'dropoutMask' | 'uniform' | 'normal'> = { dropoutMask, uniform, normal };
