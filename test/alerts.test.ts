import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertsSchema } from '../src/alerts/alert-config.js';
import { WebhookAlerts, type AlertPayload } from '../src/alerts/webhook-alerts.js';
import { openJournal } from '../src/journal/open-journal.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';
import { startLoopback, type LoopbackServer } from './support/loopback-http.js';

/** Events a person must see now reach a webhook; the journal stays the record either way. */

let http: LoopbackServer;

beforeAll(async () => {
  http = await startLoopback({ 'POST /hook': { status: 200, body: 'ok' }, 'POST /flaky': [{ status: 503 }, { status: 200, body: 'ok' }], 'POST /down': { status: 500 } });
});

afterAll(async () => {
  await http?.close();
});

const hook = (path: string, over: Record<string, unknown> = {}) => AlertsSchema.parse({ webhook: { url: `${http.url}${path}`, timeout: '2s', ...over } }).webhook!;
const bodies = (key: string) => http.requestsTo(key).map((r) => JSON.parse(r.body) as AlertPayload);

describe('webhook alerts', () => {
  it('posts each event at or above the minimum severity as JSON (bigints as strings), and not the others', async () => {
    const before = http.requestsTo('POST /hook').length;
    const a = new WebhookAlerts(hook('/hook', { minSeverity: 'warn' }), { vault: 'eth-restaking' });
    a.notify({ at: Date.parse('2024-08-06T00:00:00Z'), kind: 'breaker:depeg', severity: 'critical', asset: 'weETH', message: 'weETH 0.52 % below fair → derisk', data: { discount: 0.0052, heldWei: 31n * 10n ** 18n }, cycleId: 56 });
    a.notify({ at: 0, kind: 'tick-skipped', severity: 'warn', message: 'skipped' });
    a.notify({ at: 0, kind: 'holdings-synced', severity: 'info', message: 'quiet' });
    await a.flush();
    expect(a.delivered).toBe(2);
    const got = bodies('POST /hook').slice(before);
    expect(got.map((b) => b.kind)).toEqual(['breaker:depeg', 'tick-skipped']);
    expect(got[0]).toEqual({
      vault: 'eth-restaking',
      kind: 'breaker:depeg',
      severity: 'critical',
      message: 'weETH 0.52 % below fair → derisk',
      at: '2024-08-06T00:00:00.000Z',
      cycleId: 56,
      asset: 'weETH',
      data: { discount: 0.0052, heldWei: '31000000000000000000' },
    });
    expect(http.requestsTo('POST /hook').at(-1)?.headers['content-type']).toBe('application/json');
  });

  it('retries a 503, and gives up on a dead hook after its retries without throwing, logging the host only', async () => {
    const flaky = new WebhookAlerts(hook('/flaky', { retries: 2 }), { vault: 'v' });
    flaky.notify({ at: 0, kind: 'vault-halted', severity: 'critical', message: 'halted' });
    await flaky.flush();
    expect([flaky.delivered, flaky.failed]).toEqual([1, 0]);
    expect(http.requestsTo('POST /flaky')).toHaveLength(2);

    const lines: string[] = [];
    const log = pino({ level: 'error' }, new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) }));
    const down = new WebhookAlerts(AlertsSchema.parse({ webhook: { url: `${http.url}/down?token=SECRET`, timeout: '2s', retries: 1 } }).webhook!, { vault: 'v', log });
    down.notify({ at: 0, kind: 'vault-halted', severity: 'critical', message: 'halted' });
    await down.flush();
    expect([down.delivered, down.failed]).toEqual([0, 1]);
    expect(lines.join('')).toMatch(/alert not delivered/);
    expect(lines.join('')).toContain(new URL(http.url).host);
    expect(lines.join('')).not.toContain('SECRET');
  });

  it('the config refuses a bad URL, severity or timeout, naming the field', () => {
    const r = AlertsSchema.safeParse({ webhook: { url: 'ftp://x', minSeverity: 'loud', timeout: 'soon' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).sort()).toEqual(['webhook.minSeverity', 'webhook.timeout', 'webhook.url']);
  });

  it('journaling does not depend on a listener: one that throws is ignored and the event is still recorded', () => {
    const j = openJournal(join(tempDir('alerts-'), 'j.sqlite'));
    const seen: string[] = [];
    j.onEvent(() => {
      throw new Error('listener broke');
    });
    j.onEvent((e) => seen.push(e.kind));
    j.recordEvent({ at: 1, kind: 'x', severity: 'warn', message: 'm' });
    expect(seen).toEqual(['x']);
    expect(j.db.prepare('SELECT COUNT(*) AS n FROM events').get()).toEqual({ n: 1 });
    j.close();
  });

  it('a keeper run sends the August 2024 weETH depeg breaker (critical, on the held Aave weETH position) to the vault\'s webhook', async () => {
    const dir = tempDir('alerts-cli-');
    const v = parse(readFileSync(join(ROOT, 'config/vaults/eth-restaking.yaml'), 'utf8')) as Record<string, unknown>;
    v.registry = join(ROOT, 'config/assets/ethereum.yaml');
    v.history = join(ROOT, 'history/ethereum.csv');
    v.journal = join(dir, 'j.sqlite');
    delete v.execution;
    v.alerts = { webhook: { url: `${http.url}/hook`, minSeverity: 'critical' } };
    const file = join(dir, 'vault.yaml');
    writeFileSync(file, stringify(v));
    const before = http.requestsTo('POST /hook').length;
    const r = await cliRun(['run', '-c', file, '--to', '2024-08-08T00:00:00Z', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const got = bodies('POST /hook').slice(before);
    expect(got.length).toBeGreaterThan(0);
    expect(got.every((b) => b.severity === 'critical' && b.vault === 'eth-restaking')).toBe(true);
    const depeg = got.filter((b) => b.kind === 'breaker:depeg');
    expect(depeg.map((b) => [b.asset, b.at.slice(0, 10)])).toContainEqual(['aave-v3-weETH', '2024-08-06']);
    expect(depeg[0]?.message).toMatch(/derisk/);
  }, 60_000);
});
