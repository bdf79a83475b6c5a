import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import type { Severity } from '../domain/event.js';
import { bigintReplacer } from '../journal/codec.js';
import type { AlertsConfig } from './alert-config.js';
import { toPayload, type AlertableEvent, type AlertMessage } from './alert-message.js';
import { HttpAlertChannel } from './http-channel.js';
import { readSecret } from './secret-ref.js';

export type { AlertPayload, AlertableEvent } from './alert-message.js';

export const SIGNATURE_HEADER = 'x-restake-signature';

/**
 * The signature a receiver checks: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
 * timestamp is signed with the body so a captured request cannot be replayed later (the receiver refuses
 * an old t), and the body is signed byte for byte as sent.
 */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** The JSON body of a message: an event's payload, or a digest as an event of kind daily-digest. */
export function webhookJson(m: AlertMessage): string {
  const payload =
    m.type === 'event'
      ? m.payload
      : { vault: m.digest.vault, kind: 'daily-digest', severity: 'info', message: `daily digest ${m.digest.day}`, at: `${m.digest.day}T00:00:00.000Z`, cycleId: null, asset: null, data: m.digest };
  return JSON.stringify(payload, bigintReplacer);
}

/**
 * Sends journaled events at or above a severity to a webhook, one JSON POST each (HMAC-signed when the
 * config names a secret), in the background: the event is already in the journal (the record of truth),
 * a delivery that fails after its retries is logged and counted, never retried forever. `flush()` waits
 * for deliveries in flight (a one-shot command calls it before exiting).
 */
export class WebhookAlerts {
  readonly channel: HttpAlertChannel;
  readonly #vault: string;

  constructor(cfg: NonNullable<AlertsConfig['webhook']>, o: { vault: string; log?: Logger | undefined; fetch?: typeof fetch | undefined; env?: NodeJS.ProcessEnv; now?: () => number }) {
    this.#vault = o.vault;
    const secret = cfg.secret ? readSecret(cfg.secret, o.env) : undefined;
    const now = o.now ?? Date.now;
    this.channel = new HttpAlertChannel({
      name: 'webhook',
      minSeverity: cfg.minSeverity,
      timeout: cfg.timeout,
      retries: cfg.retries,
      host: new URL(cfg.url).host,
      log: o.log,
      fetch: o.fetch,
      build: (m) => {
        const body = webhookJson(m);
        return { url: cfg.url, body, headers: secret ? { [SIGNATURE_HEADER]: signWebhook(secret, body, Math.floor(now() / 1000)) } : ({} as Record<string, string>) };
      },
    });
  }

  get delivered(): number {
    return this.channel.delivered;
  }

  get failed(): number {
    return this.channel.failed;
  }

  wants(severity: Severity): boolean {
    return this.channel.wants(severity);
  }

  /** Queues the event for delivery when its severity is at or above the configured minimum. */
  notify(e: AlertableEvent): void {
    if (this.wants(e.severity)) this.channel.send({ type: 'event', payload: toPayload(this.#vault, e) });
  }

  flush(): Promise<void> {
    return this.channel.flush();
  }
}
