/**
 * A progress bar for long work: `step 120/600 [=====>    ] loss 2.41 | 5,310 tok/s | ETA 1m12s` redrawn in
 * place on a terminal; on a pipe or file it prints plain lines (about every 10%) instead.
 */
export class Progress {
  private readonly start = performance.now();
  private lastPlain = -1;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly first = 0,
  ) {
    this.tty = !!out.isTTY;
  }

  /** Reports that `done` of `total` steps are finished, with extra fields (e.g. loss, tok/s). */
  update(done: number, fields: Record<string, string>): void {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = (done - this.first) / Math.max(elapsed, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : 0;
    const info = [...Object.entries(fields).map(([k, v]) => `${k} ${v}`), `ETA ${duration(eta)}`].join(' | ');
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * done) / this.total);
      const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? '>' : '') + ' '.repeat(width - filled);
      this.out.write(`\r\x1b[2Kstep ${done}/${this.total} [${bar}] ${info}`);
      if (done >= this.total) this.out.write('\n');
      return;
    }
    const decile = Math.floor((10 * done) / this.total);
    if (decile !== this.lastPlain || done >= this.total) {
      this.lastPlain = decile;
      this.out.write(`step ${done}/${this.total} ${info}\n`);
    }
  }

  /** Prints a line without breaking the bar. */
  log(line: string): void {
    this.out.write(this.tty ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}

export function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  const sec = Math.round(s % 60);
  return m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
