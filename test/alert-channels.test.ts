import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsSchema } from '../src/alerts/alert-config.js';
import { AlertHub } from '../src/alerts/alert-hub.js';
import { NoiseFilter } from '../src/alerts/alert-noise.js';
import { dailyDigest, DigestClock } from '../src/alerts/daily-digest.js';
import { SIGNATURE_HEADER, signWebhook } from '../src/alerts/webhook-alerts.js';
import { openJournal } from '../src/journal/open-journal.js';
import { portfolioFromJson } from '../src/domain/portfolio.js';
import { tempDir } from './support/cli.js';
import { startLoopback, type LoopbackServer } from './support/loopback-http.js';

/** Alerts people read: each chat format against a loopback server, the signed webhook, noise control, the digest. */

let http: LoopbackServer;
const SECRET = 'hook-secret-123';
const BOT = '12345:bot-token';

beforeAll(async () => {
  http = await startLoopback({
    'POST /hook': { status: 200, body: 'ok' },
    'POST /slack': { status: 200, body: 'ok' },
    'POST /discord': { status: 204 },
    [`POST /bot${BOT}/sendMessage`]: { status: 200, body: { ok: true, result: { message_id: 1 } } },
    'POST /hang': { status: 200, delayMs: 3_000 },
    'POST /down': { status: 500 },
  });
});
afterAll(async () => {
  await http?.close();
});

const env = { HOOK_SECRET: SECRET, SLACK_URL: '', TG_TOKEN: BOT };
const event = { at: Date.parse('2024-08-06T00:00:00Z'), kind: 'breaker:depeg', severity: 'critical' as const, asset: 'aave-v3-weETH', message: 'weETH 0.52 % below fair <b>x</b> & @everyone → derisk', data: { discount: 0.0052 }, cycleId: 56 };
const hubOf = (cfg: unknown, now?: () => number) => new AlertHub([AlertsSchema.parse(cfg)], { vault: 'eth-restaking', baseAsset: 'ETH', baseDecimals: 18, env: { ...env, SLACK_URL: `${http.url}/slack` }, now });
const last = (key: string) => http.requestsTo(key).at(-1);

describe('alert formats, each posted to a loopback server', () => {
  it('webhook: JSON payload with an HMAC-SHA256 signature over the timestamp and the exact body', async () => {
    const hub = hubOf({ webhook: { url: `${http.url}/hook`, secret: { env: 'HOOK_SECRET' } } }, () => 1_790_000_000_000);
    hub.notify(event);
    await hub.flush();
    const r = last('POST /hook');
    const sig = String(r?.headers[SIGNATURE_HEADER]);
    expect(sig).toMatch(/^t=1790000000,v1=[0-9a-f]{64}$/);
    const expected = createHmac('sha256', SECRET).update(`1790000000.${r?.body}`).digest('hex');
    expect(sig.split('v1=')[1]).toBe(expected);
    expect(signWebhook(SECRET, r?.body as string, 1_790_000_000)).toBe(sig);
    expect(JSON.parse(r?.body as string)).toMatchObject({ vault: 'eth-restaking', kind: 'breaker:depeg', severity: 'critical', asset: 'aave-v3-weETH', cycleId: 56 });
  });

  it('Slack: Block Kit with a header, the message escaped for mrkdwn, and the context', async () => {
    const hub = hubOf({ slack: { url: { env: 'SLACK_URL' } } });
    hub.notify(event);
    await hub.flush();
    const b = JSON.parse(last('POST /slack')?.body as string) as { text: string; blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }> };
    expect(b.text).toMatch(/CRITICAL eth-restaking: breaker:depeg \(aave-v3-weETH\)/);
    expect(b.blocks.map((x) => x.type)).toEqual(['header', 'section', 'context']);
    expect(b.blocks[1]?.text?.text).toBe('weETH 0.52 % below fair &lt;b&gt;x&lt;/b&gt; &amp; @everyone → derisk');
    expect(b.blocks[2]?.elements?.[0]?.text).toMatch(/2024-08-06T00:00:00.000Z · cycle 56/);
  });

  it('Discord: an embed coloured by severity, with no mentions allowed', async () => {
    const hub = hubOf({ discord: { url: `${http.url}/discord` } });
    hub.notify(event);
    await hub.flush();
    const b = JSON.parse(last('POST /discord')?.body as string) as { allowed_mentions: { parse: string[] }; embeds: Array<{ title: string; color: number; timestamp: string; fields: Array<{ name: string; value: string }> }> };
    expect(b.allowed_mentions).toEqual({ parse: [] });
    expect(b.embeds[0]?.color).toBe(0xdc2626);
    expect(b.embeds[0]?.timestamp).toBe('2024-08-06T00:00:00.000Z');
    expect(b.embeds[0]?.fields.find((f) => f.name === 'asset')?.value).toBe('aave-v3-weETH');
  });

  it('Telegram: Bot API sendMessage with the token in the path, HTML-escaped text and the chat id', async () => {
    const hub = hubOf({ telegram: { botToken: { env: 'TG_TOKEN' }, chatId: '-1001234', apiBase: http.url } });
    hub.notify(event);
    await hub.flush();
    const b = JSON.parse(last(`POST /bot${BOT}/sendMessage`)?.body as string) as { chat_id: string; text: string; parse_mode: string };
    expect(b.chat_id).toBe('-1001234');
    expect(b.parse_mode).toBe('HTML');
    expect(b.text).toContain('<b>CRITICAL eth-restaking: breaker:depeg (aave-v3-weETH)</b>');
    expect(b.text).toContain('below fair &lt;b&gt;x&lt;/b&gt; &amp; @everyone');
  });

  it('a channel below its minimum severity sends nothing', async () => {
    const n = http.requestsTo('POST /slack').length;
    const hub = hubOf({ slack: { url: `${http.url}/slack`, minSeverity: 'critical' } });
    hub.notify({ ...event, severity: 'warn' });
    await hub.flush();
    expect(http.requestsTo('POST /slack').length).toBe(n);
  });

  it('a hanging or failing channel never blocks: notify returns at once and the other channels deliver', async () => {
    const hub = new AlertHub(
      [AlertsSchema.parse({ webhook: { url: `${http.url}/hang`, timeout: '1s', retries: 0 }, discord: { url: `${http.url}/down`, retries: 0 }, slack: { url: `${http.url}/slack` } })],
      { vault: 'v', baseAsset: 'ETH', baseDecimals: 18 },
    );
    const n = http.requestsTo('POST /slack').length;
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) hub.notify({ ...event, kind: `k${i}` });
    expect(performance.now() - t0).toBeLessThan(200); // queued, not sent: the hanging hook takes 3 s
    await hub.flush();
    expect(http.requestsTo('POST /slack').length).toBe(n + 5);
    const [hook, discord] = [hub.routes.find((r) => r.channel.name === 'webhook'), hub.routes.find((r) => r.channel.name === 'discord')];
    expect([hook?.channel.failed, discord?.channel.failed]).toEqual([5, 5]);
  }, 20_000);
});

describe('noise', () => {
  it('holds back repeats within the window and says how many when the next goes out', () => {
    let now = 0;
    const f = new NoiseFilter({ repeatWindowMs: 60_000, maxPerHour: 100 }, () => now);
    const e = { kind: 'source-failed', asset: undefined, severity: 'critical' as const };
    expect(f.admit(e)).toEqual({ send: true, suppressed: 0 });
    now = 10_000;
    expect(f.admit(e)).toEqual({ send: false });
    expect(f.admit(e)).toEqual({ send: false });
    expect(f.admit({ ...e, severity: 'warn' })).toEqual({ send: true, suppressed: 0 }); // another severity is another event
    now = 61_000;
    expect(f.admit(e)).toEqual({ send: true, suppressed: 2 });
  });

  it('caps messages per hour (criticals excepted) and reports the capped ones with the next message', () => {
    let now = 0;
    const f = new NoiseFilter({ repeatWindowMs: 1, maxPerHour: 3 }, () => now);
    const sent = Array.from({ length: 6 }, (_, i) => f.admit({ kind: `k${i}`, severity: 'warn' }).send);
    expect(sent).toEqual([true, true, true, false, false, false]);
    expect(f.admit({ kind: 'halt', severity: 'critical' })).toEqual({ send: true, suppressed: 3 });
    now = 3_600_001;
    expect(f.admit({ kind: 'k9', severity: 'warn' })).toEqual({ send: true, suppressed: 0 });
  });

  it('through the hub: ten identical events reach Slack once', async () => {
    const n = http.requestsTo('POST /slack').length;
    const hub = hubOf({ slack: { url: `${http.url}/slack`, minSeverity: 'info' }, noise: { repeatWindow: '1h' } });
    for (let i = 0; i < 10; i++) hub.notify(event);
    await hub.flush();
    expect(http.requestsTo('POST /slack').length).toBe(n + 1);
  });
});

describe('daily digest', () => {
  const D = Date.parse('2024-08-06T00:00:00Z');
  const DAY = 86_400_000;
  const journal = () => {
    const j = openJournal(join(tempDir('digest-'), 'j.sqlite'));
    const run = j.startRun({ at: D - DAY, mode: 'paper', vault: 'eth-restaking', configHash: 'h', configJson: '{}' });
    const p = portfolioFromJson({ holdings: { ETH: '1' }, pending: [], indexSeen: {} });
    for (const [t, nav] of [[D - DAY, 100n], [D + 3_600_000, 101n], [D + 7_200_000, 102n], [D + DAY, 103n]] as const) {
      const c = j.beginCycle({ runId: run, decisionTime: t, at: t });
      j.recordPortfolio({ cycleId: c, at: t, navBase: nav * 10n ** 18n, portfolio: p, marks: {} });
      if (t === D + 3_600_000) j.recordEvent({ cycleId: c, at: t, kind: 'breaker:depeg', severity: 'critical', message: 'm' });
      j.endCycle(c, t, 'completed', {});
    }
    return j;
  };

  it('sums the day from the journal: NAV against the day before, its return annualized, cycles, breakers', () => {
    const j = journal();
    const d = dailyDigest(j.db, { vault: 'eth-restaking', baseAsset: 'ETH', baseDecimals: 18, dayStart: D });
    expect(d).toMatchObject({ day: '2024-08-06', navStart: 100, navEnd: 102, cycles: 2, breakers: { depeg: 1 }, actions: { planned: 0, confirmed: 0, failed: 0 } });
    expect(d.dayReturn).toBeCloseTo(0.02, 12);
    expect(d.annualized).toBeCloseTo(7.3, 9);
    j.close();
  });

  it('goes out once per day that ended, to the channels of a section that enabled it', async () => {
    const j = journal();
    const n = http.requestsTo('POST /discord').length;
    const hub = new AlertHub([AlertsSchema.parse({ discord: { url: `${http.url}/discord` }, digest: { enabled: true } })], { vault: 'eth-restaking', baseAsset: 'ETH', baseDecimals: 18 }, j);
    for (const t of [D, D + 3_600_000, D + 7_200_000]) hub.cycleDone(t);
    await hub.flush();
    expect(http.requestsTo('POST /discord').length).toBe(n);
    hub.cycleDone(D + DAY);
    await hub.flush();
    const b = JSON.parse(last('POST /discord')?.body as string) as { embeds: Array<{ title: string; description: string }> };
    expect(b.embeds[0]?.title).toBe('eth-restaking daily digest 2024-08-06');
    expect(b.embeds[0]?.description).toMatch(/NAV 102\.0000 ETH \(from 100\.0000\)[\s\S]*yield 2\.000 % over the day[\s\S]*breakers: depeg ×1/);
    j.close();
  });

  it('the clock fires for the day that ended, not for the same day again', () => {
    const days: string[] = [];
    const c = new DigestClock((d) => days.push(new Date(d).toISOString().slice(0, 10)));
    for (const t of [D, D + 1000, D + DAY, D + DAY + 5, D + 3 * DAY]) c.cycleAt(t);
    expect(days).toEqual(['2024-08-06', '2024-08-07']);
  });
});

describe('alerts config', () => {
  it('names each bad field: a chat id, a secret given as a value, an unknown channel key', () => {
    const r = AlertsSchema.safeParse({ telegram: { botToken: 'raw-token', chatId: 'general' }, slack: { url: 'ftp://x' }, noise: { maxPerHour: 0 } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['noise.maxPerHour', 'slack.url', 'telegram.botToken', 'telegram.chatId']);
  });
});
