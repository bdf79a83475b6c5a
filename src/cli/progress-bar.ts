/**
 * A one-line progress bar for long runs in a terminal. When the stream is not a TTY (piped, redirected,
 * CI logs) it writes nothing at all. On a TTY it redraws in place with `\r`, at most 10 times a second,
 * showing the bar, percent, count/total, elapsed time and ETA; done() draws the final state and ends
 * the line.
 */

export interface ProgressStream {
  readonly isTTY?: boolean | undefined;
  /** Terminal width, when known (the line is kept within it). */
  readonly columns?: number | undefined;
  write(chunk: string): unknown;
}

export interface Progress {
  /** Advance by n (default 1). */
  tick(n?: number): void;
  /** Set the count done so far (for callbacks that report a running total). */
  update(done: number): void;
  /** Draw the final state and end the line (TTY only); further calls do nothing. */
  done(): void;
}

/** Minimum time between redraws: ≤ 10 redraws a second. */
export const REDRAW_INTERVAL_MS = 100;
const BAR_WIDTH = 24;

/** 75 s → "1:15", 3725 s → "1:02:05". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '--:--';
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The text of one frame (no `\r`), exported for tests. */
export function renderProgress(label: string, done: number, total: number, elapsedMs: number): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}`;
  const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
  const eta = done >= total ? '0:00' : done > 0 ? formatDuration((elapsedMs / done) * (total - done)) : '--:--';
  return `${label} ${bar} ${pct} ${done}/${total} elapsed ${formatDuration(elapsedMs)} eta ${eta}`;
}

export function createProgress(total: number, label: string, stream: ProgressStream = process.stderr, now: () => number = () => performance.now()): Progress {
  const tty = Boolean(stream.isTTY);
  const start = now();
  let count = 0;
  let lastDraw = -Infinity;
  let lastWidth = 0;
  let finished = false;

  const draw = () => {
    let line = renderProgress(label, count, total, now() - start);
    const cols = stream.columns;
    if (cols && cols > 1 && line.length > cols - 1) line = line.slice(0, cols - 1);
    // Pad over what the previous, possibly longer, frame left on the line.
    const pad = lastWidth > line.length ? ' '.repeat(lastWidth - line.length) : '';
    lastWidth = line.length;
    stream.write(`\r${line}${pad}`);
  };
  const maybeDraw = () => {
    if (!tty || finished) return;
    const t = now();
    if (t - lastDraw < REDRAW_INTERVAL_MS) return;
    lastDraw = t;
    draw();
  };

  return {
    tick(n = 1) {
      count = Math.min(total, count + n);
      maybeDraw();
    },
    update(done) {
      count = Math.min(total, Math.max(0, done));
      maybeDraw();
    },
    done() {
      if (finished) return;
      finished = true;
      if (!tty) return;
      draw();
      stream.write('\n');
    },
  };
}
