import type { Logger } from 'pino';
import { SEVERITIES, type Severity } from '../domain/event.js';
import { parseDuration } from '../domain/time.js';
import { createHttpClient, type HttpClient } from '../sources/http/http-client.js';
import type { AlertMessage } from './alert-message.js';

export interface ChannelRequest {
  readonly url: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

export interface ChannelOptions {
  readonly name: string;
  readonly minSeverity: Severity;
  readonly timeout: string;
  readonly retries: number;
  /** Builds the HTTP request for one message (format, URL, signature). */
  readonly build: (m: AlertMessage) => ChannelRequest;
  /** What may be logged of the destination: the host only, as URLs of chat hooks carry their token. */
  readonly host: string;
  readonly log?: Logger | undefined;
  readonly fetch?: typeof fetch | undefined;
}

/**
 * One alert destination over HTTP. Delivery runs in the background with the shared HTTP client's
 * timeout, retries and Retry-After handling: `send` returns at once and never throws, so a channel that is
 * down or slow never blocks a cycle. A delivery that still fails is logged (host only) and counted.
 */
export class HttpAlertChannel {
  readonly name: string;
  readonly #o: ChannelOptions;
  readonly #min: number;
  readonly #http: HttpClient;
  readonly #inFlight = new Set<Promise<void>>();
  delivered = 0;
  failed = 0;

  constructor(o: ChannelOptions) {
    this.name = o.name;
    this.#o = o;
    this.#min = SEVERITIES.indexOf(o.minSeverity);
    this.#http = createHttpClient({ timeoutMs: parseDuration(o.timeout), retries: o.retries, baseDelayMs: 250, maxDelayMs: 5_000, perHostConcurrency: 2, fetch: o.fetch });
  }

  wants(severity: Severity): boolean {
    return SEVERITIES.indexOf(severity) >= this.#min;
  }

  send(m: AlertMessage): void {
    const p = this.#deliver(m).finally(() => this.#inFlight.delete(p));
    this.#inFlight.add(p);
  }

  async #deliver(m: AlertMessage): Promise<void> {
    const kind = m.type === 'digest' ? 'daily-digest' : m.payload.kind;
    try {
      const req = this.#o.build(m);
      const r = await this.#http.fetch(req.url, { method: 'POST', headers: { 'content-type': 'application/json', ...req.headers }, body: req.body });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      this.delivered++;
    } catch (e) {
      this.failed++;
      this.#o.log?.error({ channel: this.name, host: this.#o.host, kind, err: (e as Error).message }, 'alert not delivered');
    }
  }

  /** Waits until every delivery queued so far has succeeded or given up. */
  async flush(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
