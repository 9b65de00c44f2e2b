#!/usr/bin/env node
try {
  await import('../dist/src/cli/main.js');
} catch (e) {
  // a bad LOOM_* setting, found while the entry chooses the backend: one sentence, as the CLI's own errors
  if (e?.name !== 'EnvironmentError') throw e;
  console.error(`loom: ${e.message}`);
  process.exitCode = 1;
}
