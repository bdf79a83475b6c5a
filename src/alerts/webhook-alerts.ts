import type { Logger } from 'pino';
import { SEVERITIES, type KeeperEvent, type Severity } from '../domain/event.js';
import { parseDuration } from '../domain/time.js';
import { bigintReplacer } from '../journal/codec.js';
import { createHttpClient, type HttpClient } from '../sources/http/http-client.js';
import type { AlertsConfig } from './alert-config.js';

/** What a webhook receives for one event. */
export interface AlertPayload {
  readonly vault: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly message: string;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly cycleId: number | null;
  readonly asset: string | null;
  readonly data: Record<string, unknown> | null;
}

export type AlertableEvent = KeeperEvent & { readonly cycleId?: number | null | undefined };

/**
 * Sends journaled events at or above a severity to a webhook, one JSON POST each, with the shared HTTP
 * client's timeout and retries. Delivery never blocks or fails the keeper: the event is already in the
 * journal (the record of truth), a delivery runs in the background, and one that fails after its retries
 * is logged and counted, not retried forever. `flush()` waits for deliveries in flight (a one-shot command
 * calls it before exiting).
 */
export class WebhookAlerts {
  readonly #url: string;
  readonly #min: number;
  readonly #http: HttpClient;
  readonly #vault: string;
  readonly #log: Logger | undefined;
  readonly #inFlight = new Set<Promise<void>>();
  delivered = 0;
  failed = 0;

  constructor(cfg: NonNullable<AlertsConfig['webhook']>, o: { vault: string; log?: Logger | undefined; fetch?: typeof fetch | undefined }) {
    this.#url = cfg.url;
    this.#min = SEVERITIES.indexOf(cfg.minSeverity);
    this.#vault = o.vault;
    this.#log = o.log;
    this.#http = createHttpClient({ timeoutMs: parseDuration(cfg.timeout), retries: cfg.retries, baseDelayMs: 250, maxDelayMs: 5_000, perHostConcurrency: 2, fetch: o.fetch });
  }

  /** Whether an event of this severity is sent. */
  wants(severity: Severity): boolean {
    return SEVERITIES.indexOf(severity) >= this.#min;
  }

  /** Queues the event for delivery when its severity is at or above the configured minimum. */
  notify(e: AlertableEvent): void {
    if (!this.wants(e.severity)) return;
    const payload: AlertPayload = {
      vault: this.#vault,
      kind: e.kind,
      severity: e.severity,
      message: e.message,
      at: new Date(e.at).toISOString(),
      cycleId: e.cycleId ?? null,
      asset: e.asset ?? null,
      data: e.data ?? null,
    };
    const p = this.#deliver(payload).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #deliver(payload: AlertPayload): Promise<void> {
    try {
      const r = await this.#http.fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload, bigintReplacer),
      });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.delivered++;
    } catch (e) {
      this.failed++;
      // The URL may carry a token (Slack-style hooks): log the host only.
      this.#log?.error({ host: new URL(this.#url).host, kind: payload.kind, err: (e as Error).message }, 'alert not delivered');
    }
  }

  /** Waits until every delivery queued so far has succeeded or given up. */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
