import type { AlertableEvent } from './alert-message.js';

const HOUR = 3_600_000;
const MAX_KEYS = 2_000;

/**
 * Keeps repeats out of people's channels. The same event (kind, asset, severity) within the repeat
 * window is held back and counted; beyond the hourly cap a message is held back too (critical ones
 * excepted: a person must see each distinct critical event). The next message that goes out says how many
 * were held back since. Wall-clock time: the noise is what a person receives, whatever the journal's time.
 */
export class NoiseFilter {
  readonly #last = new Map<string, { sentAt: number; held: number }>();
  #sent: number[] = [];
  #capped = 0;
  heldBack = 0;

  constructor(
    private readonly o: { repeatWindowMs: number; maxPerHour: number },
    private readonly now: () => number = Date.now,
  ) {}

  admit(e: Pick<AlertableEvent, 'kind' | 'asset' | 'severity'>): { send: false } | { send: true; suppressed: number } {
    const t = this.now();
    const key = `${e.kind}\u0000${e.asset ?? ''}\u0000${e.severity}`;
    const prev = this.#last.get(key);
    if (prev && t - prev.sentAt < this.o.repeatWindowMs) {
      prev.held++;
      this.heldBack++;
      return { send: false };
    }
    this.#sent = this.#sent.filter((x) => t - x < HOUR);
    if (this.#sent.length >= this.o.maxPerHour && e.severity !== 'critical') {
      this.#capped++;
      this.heldBack++;
      return { send: false };
    }
    const suppressed = (prev?.held ?? 0) + this.#capped;
    this.#capped = 0;
    this.#last.delete(key);
    this.#last.set(key, { sentAt: t, held: 0 });
    if (this.#last.size > MAX_KEYS) this.#last.delete(this.#last.keys().next().value as string);
    this.#sent.push(t);
    return { send: true, suppressed };
  }
}
