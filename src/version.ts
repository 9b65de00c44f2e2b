/** Loom's version, as in package.json (test/version.test.ts keeps the two equal); recorded in checkpoints. */
export const LOOM_VERSION = '0.1.0';
