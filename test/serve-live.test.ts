import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulePeriodMs } from '../src/service/schedule.js';
import { startService, type RunningService } from '../src/service/service.js';
import { ROOT, tempDir } from './support/cli.js';
import { startLoopback, type LoopbackServer } from './support/loopback-http.js';

/** A live-feed vault in the fleet beside a recorded one: per-source latency and failures, readiness by source. */

let http: LoopbackServer;
let svc: RunningService | undefined;
const fixture = (n: string) => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/http', `${n}.json`), 'utf8')) as unknown;

beforeAll(async () => {
  http = await startLoopback({
    'GET /pools': { status: 200, body: fixture('defillama-pools') },
    'GET /v1/protocol/steth/apr/sma': { status: 200, body: fixture('lido-apr-sma') },
  });
});
afterAll(async () => {
  await svc?.stop();
  await http?.close();
});

const until = async (what: string, f: () => boolean | Promise<boolean>, ms = 20_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe('serve with a live feed', () => {
  it('reads the live sources each tick at wall-clock time, times each source, and names the dead ones in /readyz', async () => {
    const dir = tempDir('serve-live-');
    writeFileSync(
      join(dir, 'live.yaml'),
      `name: eth-live
chain: ethereum
baseAsset: ETH
registry: ${join(ROOT, 'config/assets/ethereum.yaml')}
journal: live.sqlite
feed: live
initialHoldings: { ETH: "100000000000000000000" }
universe: [ETH, wstETH]
strategy: { name: risk-adjusted }
sources:
  timeoutMs: 5000
  http:
    client: { timeoutMs: 1000, retries: 0 }
    defillama: { baseUrl: ${http.url}, pools: { wstETH: 747c1d2a-c668-4682-b9f9-296708a3dd90 } }
    lido: { baseUrl: ${http.url}, assets: [wstETH] }
`,
    );
    writeFileSync(
      join(dir, 'fleet.yaml'),
      `http: { port: 0 }
vaults:
  - { config: live.yaml, journal: live.sqlite, schedule: { every: 200ms } }
  - { config: ${join(ROOT, 'config/vaults/sol-staking.yaml')}, journal: sol.sqlite, schedule: { every: 200ms } }
`,
    );
    svc = await startService({ fleet: join(dir, 'fleet.yaml'), log: pino({ level: 'silent' }) });
    const live = svc.fleet.runners[0];
    await until('two live cycles', () => (live?.status.cycles ?? 0) >= 2);
    expect(live?.status.feed).toBe('live');
    expect(live?.status.mode).toBe('paper-live');
    // Decision time is the wall clock on a live feed.
    expect(Math.abs((live?.status.lastCycle?.decisionTime ?? 0) - Date.now())).toBeLessThan(10_000);
    const m = await (await fetch(`${svc.url}/metrics`)).text();
    expect(m).toMatch(/restake_keeper_source_read_seconds_count\{vault="eth-live",source="defillama"\} [1-9]/);
    expect(m).toMatch(/restake_keeper_source_read_seconds_count\{vault="eth-live",source="lido-api"\} [1-9]/);
    await until('ready', async () => (await fetch(`${svc?.url}/readyz`)).status === 200);

    http.setRoute('GET /pools', { status: 503 });
    await until('readyz names the dead source', async () => (await fetch(`${svc?.url}/readyz`)).status === 503);
    let body = '';
    await until('sol-staking on time in the same answer', async () => {
      body = await (await fetch(`${svc?.url}/readyz`)).text();
      return /sol-staking: ready/.test(body);
    });
    expect(body).toMatch(/eth-live: NOT READY — sources did not answer: defillama/);
    expect(body).not.toMatch(/lido-api/);
    const m2 = await (await fetch(`${svc.url}/metrics`)).text();
    expect(m2).toMatch(/restake_keeper_source_failures_total\{vault="eth-live",source="defillama"\} [1-9]/);
    expect(m2).not.toMatch(/restake_keeper_source_failures_total\{vault="eth-live",source="lido-api"\}/);

    http.setRoute('GET /pools', { status: 200, body: fixture('defillama-pools') });
    await until('ready again once the source answers', async () => (await fetch(`${svc?.url}/readyz`)).status === 200);
  }, 60_000);

  it('a cron schedule\'s period is its widest gap (a weekday schedule allows the weekend)', () => {
    expect(schedulePeriodMs({ cron: '0 0 * * *' })).toBe(86_400_000);
    expect(schedulePeriodMs({ cron: '*/10 * * * * *' })).toBe(10_000);
    expect(schedulePeriodMs({ cron: '0 9 * * 1-5' })).toBe(3 * 86_400_000);
    expect(schedulePeriodMs({ every: '90s' })).toBe(90_000);
  });
});
