/**
 * Node.js only: gives the heap a synchronous `gc()` and a FinalizationRegistry with `cleanupSome()`, so
 * that a synchronous training loop reclaims unreachable tensors without returning to the event loop
 * (see memory.ts). Installed by the Node entry (src/node.ts); browsers reclaim between event-loop turns.
 *
 * Both come from a fresh vm context, the only one bootstrapped after the flags are set. The registry
 * itself is the main context's, with the fresh context's `cleanupSome` borrowed onto it: a registry of
 * a vm context that still has cleared cells when Node shuts down aborts the process ("illegal access"
 * from V8's cleanup task), while the main context's registry is drained quietly.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { installCollector, type Collector } from './memory.js';

type CleanupSome = (this: FinalizationRegistry<unknown>) => void;

function nodeCollector(): Collector | null {
  try {
    setFlagsFromString('--expose-gc');
    setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const gc = runInNewContext('gc') as () => void;
    const borrowed = runInNewContext('FinalizationRegistry.prototype.cleanupSome') as CleanupSome | undefined;
    if (typeof gc !== 'function' || typeof borrowed !== 'function') return null;
    const cleanupSome: CleanupSome = borrowed;
    class Registry<T> extends FinalizationRegistry<T> {
      cleanupSome(): void {
        cleanupSome.call(this);
      }
    }
    return { gc, Registry };
  } catch {
    return null;
  }
}

const c = nodeCollector();
if (c) installCollector(c);
