import { EXIT } from './exit-codes.js';

/**
 * SIGINT and SIGTERM for a command that runs cycles: the first asks it to stop after the cycle in hand (a
 * cycle is never cut in half by choice; a restart would close it as interrupted anyway), the journal is
 * closed and the lease released, and the command exits 130 or 143 as a shell expects. A second signal ends
 * the process at once, which is safe too: every journal write is a transaction and the OS drops the lease.
 */
export class StopSignal {
  #signal: NodeJS.Signals | undefined;
  #listeners: (() => void)[] = [];
  readonly #handler = (sig: NodeJS.Signals) => {
    if (this.#signal) process.exit(sig === 'SIGINT' ? EXIT.sigint : EXIT.sigterm);
    this.#signal = sig;
    process.stderr.write(`${sig} received: stopping after the current cycle (send it again to stop at once)\n`);
    for (const l of this.#listeners) l();
  };

  constructor() {
    process.on('SIGINT', this.#handler);
    process.on('SIGTERM', this.#handler);
  }

  get stopped(): boolean {
    return this.#signal !== undefined;
  }

  /** Calls `f` when a stop is asked for (at once if it already was). */
  onStop(f: () => void): void {
    if (this.#signal) f();
    else this.#listeners.push(f);
  }

  /** The exit status: `normal` when no signal came, else 128 + the signal's number. */
  exitCode(normal: number): number {
    if (this.#signal === 'SIGINT') return EXIT.sigint;
    if (this.#signal === 'SIGTERM') return EXIT.sigterm;
    return normal;
  }

  dispose(): void {
    process.off('SIGINT', this.#handler);
    process.off('SIGTERM', this.#handler);
    this.#listeners = [];
  }
}

/** Lets pending I/O and signals in between two cycles (a run of cycles is otherwise one long stretch of microtasks). */
export const yieldToEvents = (): Promise<void> => new Promise((r) => setImmediate(r));
