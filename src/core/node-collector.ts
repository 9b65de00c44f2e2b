/**
 * Node.js only: gives the heap a synchronous `gc()` and a FinalizationRegistry with `cleanupSome()`, so
 * that a synchronous training loop reclaims unreachable tensors without returning to the event loop
 * (see memory.ts). Installed by the Node entry (src/node.ts); browsers reclaim between event-loop turns.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { installCollector } from './memory.js';

function nodeCollector(): { gc: () => void; Registry: typeof FinalizationRegistry } | null {
  try {
    setFlagsFromString('--expose-gc');
    setFlagsFromString('--harmony-weak-refs-with-cleanup-some');
    const gc = runInNewContext('gc') as () => void;
    const Registry = runInNewContext('FinalizationRegistry') as typeof FinalizationRegistry;
    return { gc, Registry };
  } catch {
    return null;
  }
}

const c = nodeCollector();
if (c) installCollector(c);
