import type { Logger } from 'pino';
import { parseDuration } from '../domain/time.js';
import type { Journal } from '../journal/journal.js';
import type { AlertsConfig } from './alert-config.js';
import { toPayload, type AlertableEvent } from './alert-message.js';
import { NoiseFilter } from './alert-noise.js';
import { discordBody, slackBody, telegramBody } from './chat-formats.js';
import { dailyDigest, DigestClock } from './daily-digest.js';
import { HttpAlertChannel } from './http-channel.js';
import { readSecret } from './secret-ref.js';
import { WebhookAlerts } from './webhook-alerts.js';

export interface HubOptions {
  readonly vault: string;
  readonly baseAsset: string;
  readonly baseDecimals: number;
  readonly log?: Logger | undefined;
  readonly env?: NodeJS.ProcessEnv | undefined;
  readonly fetch?: typeof fetch | undefined;
  readonly now?: (() => number) | undefined;
}

interface Route {
  readonly channel: HttpAlertChannel;
  readonly noise: NoiseFilter;
  readonly digest: boolean;
}

const urlOf = (u: string | { env: string } | { file: string }, env?: NodeJS.ProcessEnv) => (typeof u === 'string' ? u : readSecret(u, env));

/** The channels one alerts section describes, each behind its own noise filter. */
function routesOf(cfg: AlertsConfig, o: HubOptions): Route[] {
  const noise = () => new NoiseFilter({ repeatWindowMs: parseDuration(cfg.noise.repeatWindow), maxPerHour: cfg.noise.maxPerHour }, o.now);
  const digest = cfg.digest?.enabled === true;
  const routes: Route[] = [];
  const common = { log: o.log, fetch: o.fetch };
  if (cfg.webhook) routes.push({ channel: new WebhookAlerts(cfg.webhook, { vault: o.vault, ...common, env: o.env, now: o.now }).channel, noise: noise(), digest });
  if (cfg.slack) {
    const url = urlOf(cfg.slack.url, o.env);
    routes.push({ channel: new HttpAlertChannel({ name: 'slack', ...cfg.slack, ...common, host: new URL(url).host, build: (m) => ({ url, body: JSON.stringify(slackBody(m)) }) }), noise: noise(), digest });
  }
  if (cfg.discord) {
    const url = urlOf(cfg.discord.url, o.env);
    routes.push({ channel: new HttpAlertChannel({ name: 'discord', ...cfg.discord, ...common, host: new URL(url).host, build: (m) => ({ url, body: JSON.stringify(discordBody(m)) }) }), noise: noise(), digest });
  }
  if (cfg.telegram) {
    const t = cfg.telegram;
    const url = `${t.apiBase.replace(/\/$/, '')}/bot${readSecret(t.botToken, o.env)}/sendMessage`;
    routes.push({ channel: new HttpAlertChannel({ name: 'telegram', ...t, ...common, host: new URL(t.apiBase).host, build: (m) => ({ url, body: JSON.stringify(telegramBody(m, t.chatId)) }) }), noise: noise(), digest });
  }
  return routes;
}

/**
 * Every alert channel of one vault: events go to each channel that wants their severity, through that
 * channel's noise filter; a daily digest goes to the channels of sections that enabled it. Nothing here
 * blocks or throws into the keeper: sending is fire-and-forget, `flush()` waits for what is in flight.
 */
export class AlertHub {
  readonly routes: readonly Route[];
  readonly #clock: DigestClock;

  constructor(
    configs: readonly AlertsConfig[],
    private readonly o: HubOptions,
    private readonly journal?: Journal,
  ) {
    this.routes = configs.flatMap((c) => routesOf(c, o));
    this.#clock = new DigestClock((dayStart) => this.sendDigest(dayStart));
  }

  get empty(): boolean {
    return this.routes.length === 0;
  }

  notify(e: AlertableEvent): void {
    for (const r of this.routes) {
      if (!r.channel.wants(e.severity)) continue;
      const a = r.noise.admit(e);
      if (a.send) r.channel.send({ type: 'event', payload: toPayload(this.o.vault, e, a.suppressed) });
    }
  }

  /** A cycle finished at this decision time: a digest of the day that ended goes out when the day turned. */
  cycleDone(decisionTime: number): void {
    if (this.routes.some((r) => r.digest)) this.#clock.cycleAt(decisionTime);
  }

  sendDigest(dayStart: number): void {
    if (!this.journal) return;
    try {
      const digest = dailyDigest(this.journal.db, { vault: this.o.vault, baseAsset: this.o.baseAsset, baseDecimals: this.o.baseDecimals, dayStart });
      for (const r of this.routes) if (r.digest) r.channel.send({ type: 'digest', digest });
    } catch (e) {
      this.o.log?.error({ err: (e as Error).message }, 'daily digest not built');
    }
  }

  async flush(): Promise<void> {
    await Promise.all(this.routes.map((r) => r.channel.flush()));
  }
}

/** Attaches a vault's alert channels to its journal's events. */
export function attachAlertHub(journal: Journal, configs: ReadonlyArray<AlertsConfig | undefined>, o: HubOptions): { flush(): Promise<void>; cycleDone(t: number): void } {
  const hub = new AlertHub(configs.filter((c): c is AlertsConfig => c !== undefined), o, journal);
  if (hub.empty) return { flush: async () => {}, cycleDone: () => {} };
  journal.onEvent((e) => hub.notify(e));
  return { flush: () => hub.flush(), cycleDone: (t) => hub.cycleDone(t) };
}
