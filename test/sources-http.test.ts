import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { checkObservation } from '../src/domain/observation-check.js';
import { DefiLlamaSource } from '../src/sources/http/defillama-source.js';
import { createHttpClient, HttpSourceError, parseRetryAfter, type HttpClientOptions } from '../src/sources/http/http-client.js';
import { createHttpSources, HttpSourcesSchema } from '../src/sources/http/http-sources-config.js';
import { JitoKobeSource } from '../src/sources/http/jito-kobe-source.js';
import { LidoAprSource } from '../src/sources/http/lido-apr-source.js';
import { SanctumApySource } from '../src/sources/http/sanctum-apy-source.js';
import { lamportsToSol, lidoAprUnitProblem, percentToFraction } from '../src/sources/http/units.js';
import type { SourceRead } from '../src/sources/yield-source.js';
import { startLoopback, type LoopbackServer, type RouteTable } from './support/loopback-http.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'http', name), 'utf8'));
const clone = <T>(v: T): T => structuredClone(v);

const NOW = Date.parse('2025-09-14T06:00:00Z');
const STETH_POOL = '747c1d2a-c668-4682-b9f9-296708a3dd90';
const WEETH_POOL = '46bd2bdf-6d92-4066-b482-e885ee172264';
const JITOSOL_POOL = '0e7d0722-9054-4907-8593-567b353c0900';
const MSOL_MINT = 'mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So';

let servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function serve(routes: RouteTable): Promise<LoopbackServer> {
  const s = await startLoopback(routes);
  servers.push(s);
  return s;
}

/** Deterministic client: jitter factor 0.5, sleeps recorded and skipped. */
function testClient(overrides: Partial<HttpClientOptions> = {}) {
  const delays: number[] = [];
  const client = createHttpClient({
    timeoutMs: 2000,
    retries: 2,
    baseDelayMs: 100,
    maxDelayMs: 1000,
    perHostConcurrency: 4,
    random: () => 0.5,
    sleep: async (ms) => {
      delays.push(ms);
    },
    now: () => NOW,
    ...overrides,
  });
  return { client, delays };
}

function expectAllValid(r: SourceRead): void {
  for (const o of r.observations) expect(checkObservation(o)).toEqual([]);
}

describe('unit conversions at the edge', () => {
  it('percent → fraction, without floating-point noise', () => {
    expect(percentToFraction(3.49)).toBe(0.0349);
    expect(percentToFraction(2.9)).toBe(0.029);
    expect(percentToFraction(0.61)).toBe(0.0061);
  });
  it('lamports → SOL', () => {
    expect(lamportsToSol(15_230_000_000_000_000)).toBe(15_230_000);
  });
  it('a Lido APR below 0.5 (percent) is flagged as a fraction sent where percent was expected', () => {
    expect(lidoAprUnitProblem(2.79)).toBeUndefined();
    expect(lidoAprUnitProblem(0.035)).toMatch(/looks like a fraction where percent was expected: 0\.035 would mean 3\.5 %/);
    expect(lidoAprUnitProblem(0)).toMatch(/below the plausible floor/);
  });
  it('Retry-After: seconds or HTTP date', () => {
    expect(parseRetryAfter('2', NOW)).toBe(2000);
    expect(parseRetryAfter('Sun, 14 Sep 2025 06:00:03 GMT', NOW)).toBe(3000);
    expect(parseRetryAfter('Sun, 14 Sep 2025 05:00:00 GMT', NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter(null, NOW)).toBeUndefined();
  });
});

describe('DefiLlama /pools', () => {
  const pools = { stETH: STETH_POOL, weETH: WEETH_POOL, JitoSOL: JITOSOL_POOL };

  it('maps the configured pools, percent → fraction, reward null → absent, tvlUsd not mapped', async () => {
    const s = await serve({ 'GET /pools': { body: fixture('defillama-pools.json') } });
    const src = new DefiLlamaSource(testClient().client, { baseUrl: `${s.url}/`, pools });
    const r = await src.read(NOW);
    expect(r.failures).toEqual([]);
    expect(r.observations).toEqual([
      { time: NOW, asset: 'stETH', source: 'defillama', apyBase: 0.029 },
      { time: NOW, asset: 'weETH', source: 'defillama', apyBase: 0.0349, apyIncentives: 0.0061 },
      { time: NOW, asset: 'JitoSOL', source: 'defillama', apyBase: 0.0718 },
    ]);
    for (const o of r.observations) expect(o).not.toHaveProperty('tvlBase', expect.anything());
    expect(s.requestsTo('GET /pools')).toHaveLength(1);
    expectAllValid(r);
  });

  it('a configured pool missing from the list fails that asset only', async () => {
    const s = await serve({ 'GET /pools': { body: fixture('defillama-pools.json') } });
    const src = new DefiLlamaSource(testClient().client, { baseUrl: s.url, pools: { ...pools, rETH: '00000000-0000-4000-8000-000000000000' } });
    const r = await src.read(NOW);
    expect(r.observations.map((o) => o.asset)).toEqual(['stETH', 'weETH', 'JitoSOL']);
    expect(r.failures).toEqual([{ source: 'defillama', assets: ['rETH'], message: expect.stringMatching(/pool 00000000-.* \(rETH\) is not in the response/) }]);
  });

  it('wrong shape in one pool names its zod path and fails only that asset', async () => {
    const body = clone(fixture('defillama-pools.json')) as { data: Array<Record<string, unknown>> };
    body.data[1]!.apyBase = '3.49';
    const s = await serve({ 'GET /pools': { body } });
    const r = await new DefiLlamaSource(testClient().client, { baseUrl: s.url, pools }).read(NOW);
    expect(r.observations.map((o) => o.asset)).toEqual(['stETH', 'JitoSOL']);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.assets).toEqual(['weETH']);
    expect(r.failures[0]!.message).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/pools: unexpected response shape at data\[1\]\.apyBase: .*expected number/);
  });

  it('wrong shape of the list fails every configured asset, naming the path', async () => {
    const s = await serve({ 'GET /pools': { body: { status: 'success', data: { pools: [] } } } });
    const r = await new DefiLlamaSource(testClient().client, { baseUrl: s.url, pools }).read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures).toEqual([{ source: 'defillama', assets: ['stETH', 'weETH', 'JitoSOL'], message: expect.stringMatching(/after 1 attempt \(HTTP 200\): unexpected response shape at data: .*expected array/) }]);
  });

  it('wrong units: 350 (percent) → 3.5 is caught by the range check; a small real APY is not flagged', async () => {
    const body = clone(fixture('defillama-pools.json')) as { data: Array<Record<string, unknown>> };
    body.data[0]!.apyBase = 350;
    body.data[1]!.apyBase = 0.3; // 0.3 % is a plausible pool APY: DefiLlama gets no "fraction" heuristic
    const s = await serve({ 'GET /pools': { body } });
    const r = await new DefiLlamaSource(testClient().client, { baseUrl: s.url, pools }).read(NOW);
    expect(r.observations.map((o) => [o.asset, o.apyBase])).toEqual([['weETH', 0.003], ['JitoSOL', 0.0718]]);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]!.assets).toEqual(['stETH']);
    expect(r.failures[0]!.message).toMatch(/stETH: apyBase=3\.5: expected an annual fraction ≤ 1 \(3\.5 looks like a percent/);
  });

  it('apyBase null is missing data, not zero', async () => {
    const body = clone(fixture('defillama-pools.json')) as { data: Array<Record<string, unknown>> };
    body.data[0]!.apyBase = null;
    const s = await serve({ 'GET /pools': { body } });
    const r = await new DefiLlamaSource(testClient().client, { baseUrl: s.url, pools: { stETH: STETH_POOL } }).read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures[0]!.message).toMatch(/apyBase null/);
  });

  it('chart(pool): one observation per daily point, in time order, null points skipped and reported', async () => {
    const s = await serve({ [`GET /chart/${STETH_POOL}`]: { body: fixture('defillama-chart.json') } });
    const r = await new DefiLlamaSource(testClient().client, { baseUrl: s.url, pools }).chart(STETH_POOL);
    expect(r.observations).toEqual([
      { time: Date.parse('2025-09-10T23:01:05.120Z'), asset: 'stETH', source: 'defillama', apyBase: 0.0281 },
      { time: Date.parse('2025-09-12T23:00:58.031Z'), asset: 'stETH', source: 'defillama', apyBase: 0.0296 },
      { time: Date.parse('2025-09-13T23:01:02.774Z'), asset: 'stETH', source: 'defillama', apyBase: 0.0288, apyIncentives: 0.0023 },
    ]);
    expect(r.failures).toEqual([{ source: 'defillama', assets: ['stETH'], message: expect.stringMatching(/skipped 1 of 4 points \(1 without apyBase, 0 out of range\)/) }]);
  });

  it('chart of an unconfigured pool without an asset id is a failure, not a throw', async () => {
    const r = await new DefiLlamaSource(testClient().client, { baseUrl: 'http://127.0.0.1:9', pools }).chart('00000000-0000-4000-8000-000000000000');
    expect(r.failures[0]!.message).toMatch(/not configured/);
  });
});

describe('Lido APR (sma)', () => {
  const assets = ['stETH', 'wstETH'];
  const ROUTE = 'GET /v1/protocol/steth/apr/sma';

  it('smaApr (percent) → apyBase fraction for every configured asset, ref = newest point', async () => {
    const s = await serve({ [ROUTE]: { body: fixture('lido-apr-sma.json') } });
    const r = await new LidoAprSource(testClient().client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(r.failures).toEqual([]);
    expect(r.observations).toEqual([
      { time: NOW, asset: 'stETH', source: 'lido-api', ref: '2025-09-13T11:45:23Z', apyBase: 0.0279 },
      { time: NOW, asset: 'wstETH', source: 'lido-api', ref: '2025-09-13T11:45:23Z', apyBase: 0.0279 },
    ]);
  });

  it('wrong units: an APR in fraction form (0.0279) is flagged, nothing is emitted', async () => {
    const body = clone(fixture('lido-apr-sma.json')) as { data: { smaApr: number } };
    body.data.smaApr = 0.0279;
    const s = await serve({ [ROUTE]: { body } });
    const r = await new LidoAprSource(testClient().client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures).toEqual([{ source: 'lido-api', assets, message: expect.stringMatching(/data\.smaApr: .*looks like a fraction where percent was expected/) }]);
  });

  it('malformed JSON: failure says so, not retried', async () => {
    const s = await serve({ [ROUTE]: { body: '<html><body>Bad Gateway</body></html>', headers: { 'content-type': 'text/html' } } });
    const { client, delays } = testClient();
    const r = await new LidoAprSource(client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures[0]!.message).toMatch(/failed after 1 attempt \(HTTP 200\): body is not JSON .*Bad Gateway/);
    expect(r.failures[0]!.assets).toEqual(assets);
    expect(s.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it('wrong shape: the zod path is in the failure', async () => {
    const body = clone(fixture('lido-apr-sma.json')) as { data: Record<string, unknown> };
    delete body.data.smaApr;
    const s = await serve({ [ROUTE]: { body } });
    const r = await new LidoAprSource(testClient().client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(r.failures[0]!.message).toMatch(/unexpected response shape at data\.smaApr: /);
  });

  it('a response for another chain is refused', async () => {
    const body = clone(fixture('lido-apr-sma.json')) as { meta: { chainId: number } };
    body.meta.chainId = 560048;
    const s = await serve({ [ROUTE]: { body } });
    const r = await new LidoAprSource(testClient().client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures[0]!.message).toMatch(/stETH on chain 560048, expected stETH on chain 1/);
  });

  it('slow response beyond the timeout: failure says timeout, after retries + 1 attempts', async () => {
    const s = await serve({ [ROUTE]: { body: fixture('lido-apr-sma.json'), delayMs: 2000 } });
    const { client, delays } = testClient({ timeoutMs: 60, retries: 2 });
    const started = Date.now();
    const r = await new LidoAprSource(client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(r.observations).toEqual([]);
    expect(r.failures[0]!.message).toMatch(/failed after 3 attempts: timed out after 60 ms/);
    expect(s.requests).toHaveLength(3);
    expect(delays).toEqual([50, 100]);
  });

  it('500 then success: retried with exponential backoff and full jitter', async () => {
    const s = await serve({ [ROUTE]: [{ status: 500, body: { error: 'upstream' } }, { status: 502, body: 'bad gateway' }, { body: fixture('lido-apr-sma.json') }] });
    const { client, delays } = testClient({ retries: 3 });
    const r = await new LidoAprSource(client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(r.failures).toEqual([]);
    expect(r.observations).toHaveLength(2);
    expect(s.requests).toHaveLength(3);
    // random() = 0.5 × min(maxDelay, base × 2^attempt)
    expect(delays).toEqual([50, 100]);
  });

  it('404 is not retried', async () => {
    const s = await serve({});
    const { client, delays } = testClient({ retries: 3 });
    const r = await new LidoAprSource(client, { baseUrl: s.url, assets, chainId: 1 }).read(NOW);
    expect(r.failures[0]!.message).toMatch(/failed after 1 attempt \(HTTP 404\)/);
    expect(s.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });
});

describe('Jito Kobe stake_pool_stats', () => {
  const ROUTE = 'POST /api/v1/stake_pool_stats';

  it('posts a daily last-week query; latest apy (fraction) → apyBase, tvl lamports → tvlBase SOL', async () => {
    const s = await serve({ [ROUTE]: { body: fixture('jito-stake-pool-stats.json') } });
    const r = await new JitoKobeSource(testClient().client, { baseUrl: s.url, assets: ['JitoSOL'] }).read(NOW + 123);
    expect(r.failures).toEqual([]);
    expect(r.observations).toEqual([
      { time: NOW + 123, asset: 'JitoSOL', source: 'jito-kobe', ref: '2025-09-13T23:10:11Z', apyBase: 0.0718, tvlBase: 15_230_000 },
    ]);
    const req = s.requests[0]!;
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body)).toEqual({
      bucket_type: 'Daily',
      range_filter: { start: '2025-09-07T06:00:00Z', end: '2025-09-14T06:00:00Z' },
      sort_by: { field: 'BlockTime', order: 'Asc' },
    });
    expectAllValid(r);
  });

  it('the latest point is chosen by date, not by position', async () => {
    const body = clone(fixture('jito-stake-pool-stats.json')) as { apy: unknown[]; tvl: unknown[] };
    body.apy.reverse();
    body.tvl.reverse();
    const s = await serve({ [ROUTE]: { body } });
    const r = await new JitoKobeSource(testClient().client, { baseUrl: s.url, assets: ['JitoSOL'] }).read(NOW);
    expect(r.observations[0]).toMatchObject({ apyBase: 0.0718, tvlBase: 15_230_000 });
  });

  it('truncated body: failure says truncated, and it was retried', async () => {
    const s = await serve({ [ROUTE]: { body: fixture('jito-stake-pool-stats.json'), truncate: true } });
    const { client, delays } = testClient({ retries: 2 });
    const r = await new JitoKobeSource(client, { baseUrl: s.url, assets: ['JitoSOL'] }).read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures).toEqual([{ source: 'jito-kobe', assets: ['JitoSOL'], message: expect.stringMatching(/^POST http:.*stake_pool_stats failed after 3 attempts \(HTTP 200\): body truncated/) }]);
    expect(s.requests).toHaveLength(3);
    expect(delays).toEqual([50, 100]);
  });

  it('429 with Retry-After (seconds) is honoured, then succeeds', async () => {
    const s = await serve({ [ROUTE]: [{ status: 429, headers: { 'retry-after': '2' }, body: { error: 'rate limited' } }, { body: fixture('jito-stake-pool-stats.json') }] });
    const { client, delays } = testClient({ maxDelayMs: 5000 });
    const r = await new JitoKobeSource(client, { baseUrl: s.url, assets: ['JitoSOL'] }).read(NOW);
    expect(r.failures).toEqual([]);
    expect(s.requests).toHaveLength(2);
    expect(delays).toEqual([2000]);
  });

  it('wrong units: an APY in percent (7.18) is caught, not passed on', async () => {
    const body = clone(fixture('jito-stake-pool-stats.json')) as { apy: Array<{ data: number }> };
    body.apy[2]!.data = 7.18;
    const s = await serve({ [ROUTE]: { body } });
    const r = await new JitoKobeSource(testClient().client, { baseUrl: s.url, assets: ['JitoSOL'] }).read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures[0]!.message).toMatch(/JitoSOL: apyBase=7\.18: expected an annual fraction ≤ 1/);
  });

  it('no apy points in range is a failure', async () => {
    const body = clone(fixture('jito-stake-pool-stats.json')) as { apy: unknown[] };
    body.apy = [];
    const s = await serve({ [ROUTE]: { body } });
    const r = await new JitoKobeSource(testClient().client, { baseUrl: s.url, assets: ['JitoSOL'] }).read(NOW);
    expect(r.failures[0]!.message).toMatch(/no apy points/);
  });
});

describe('Sanctum apy/latest', () => {
  const ROUTE = 'GET /v1/apy/latest';
  const lsts = { jupSOL: 'jupSOL', INF: 'INF', mSOL: MSOL_MINT };

  it('asks for every key and maps keys back to assets (fractions as-is)', async () => {
    const s = await serve({ [ROUTE]: { body: fixture('sanctum-apy-latest.json') } });
    const r = await new SanctumApySource(testClient().client, { baseUrl: s.url, lsts }).read(NOW);
    expect(s.requests[0]!.query.getAll('lst')).toEqual(['jupSOL', 'INF', MSOL_MINT]);
    expect(r.failures).toEqual([]);
    expect(r.observations).toEqual([
      { time: NOW, asset: 'jupSOL', source: 'sanctum-api', apyBase: 0.0842 },
      { time: NOW, asset: 'INF', source: 'sanctum-api', apyBase: 0.0793 },
      { time: NOW, asset: 'mSOL', source: 'sanctum-api', apyBase: 0.0765 },
    ]);
  });

  it('0 is treated as MISSING and reported; an errs entry is quoted', async () => {
    const s = await serve({ [ROUTE]: { body: { apys: { jupSOL: 0, [MSOL_MINT]: 0.0765 }, errs: { INF: { code: 'NotFound', message: 'no data' } } } } });
    const r = await new SanctumApySource(testClient().client, { baseUrl: s.url, lsts }).read(NOW);
    expect(r.observations.map((o) => o.asset)).toEqual(['mSOL']);
    expect(r.failures).toEqual([
      { source: 'sanctum-api', assets: ['jupSOL'], message: expect.stringMatching(/jupSOL: apys\.jupSOL is 0, treated as MISSING .* not as zero yield/) },
      { source: 'sanctum-api', assets: ['INF'], message: expect.stringMatching(/INF: Sanctum reported an error for INF: \{"code":"NotFound","message":"no data"\}/) },
    ]);
  });

  it('per-host concurrency: N concurrent reads at a host limited to 2 never overlap more than 2', async () => {
    const s = await serve({ [ROUTE]: { body: fixture('sanctum-apy-latest.json'), delayMs: 25 } });
    const { client } = testClient({ perHostConcurrency: 2 });
    const src = new SanctumApySource(client, { baseUrl: s.url, lsts });
    const reads = await Promise.all(Array.from({ length: 8 }, () => src.read(NOW)));
    for (const r of reads) expect(r.failures).toEqual([]);
    expect(s.requests).toHaveLength(8);
    expect(s.maxInFlight).toBe(2);
  });
});

describe('HTTP client', () => {
  const Schema = z.object({ value: z.number() });

  it('a schema failure throws a typed HttpSourceError naming URL, attempts, status and the first zod issue', async () => {
    const s = await serve({ 'GET /x': { body: { value: 'nope', other: 1 } } });
    const { client } = testClient();
    const err = await client.getJson(`${s.url}/x`, Schema).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpSourceError);
    const e = err as HttpSourceError;
    expect(e.name).toBe('HttpSourceError');
    expect(e).toMatchObject({ url: `${s.url}/x`, attempts: 1, status: 200, reason: 'schema' });
    expect(e.message).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/x failed after 1 attempt \(HTTP 200\): unexpected response shape at value: .*expected number/);
    expect(e.context).toMatchObject({ url: `${s.url}/x`, attempts: 1, status: 200, reason: 'schema' });
  });

  it('a truncated JSON body with honest framing is named as truncated', async () => {
    const s = await serve({ 'GET /x': { body: '{"value": 1.2' } });
    const err = (await testClient().client.getJson(`${s.url}/x`, Schema).catch((e: unknown) => e)) as HttpSourceError;
    expect(err.reason).toBe('truncated');
    expect(err.message).toMatch(/truncated JSON body/);
  });

  it('backoff doubles per attempt, is capped at maxDelayMs, and scales by random() (full jitter)', async () => {
    const s = await serve({ 'GET /x': { status: 503, body: 'down' } });
    const rs = [0.5, 0.5, 0.5, 1, 0];
    const { client, delays } = testClient({ retries: 5, baseDelayMs: 100, maxDelayMs: 300, random: () => rs.shift() ?? 0 });
    const err = (await client.getJson(`${s.url}/x`, Schema).catch((e: unknown) => e)) as HttpSourceError;
    expect(err).toMatchObject({ attempts: 6, status: 503, reason: 'status' });
    expect(delays).toEqual([50, 100, 150, 300, 0]);
  });

  it('Retry-After as an HTTP date is honoured; a long one is capped at maxDelayMs', async () => {
    const s = await serve({
      'GET /date': [{ status: 429, headers: { 'retry-after': 'Sun, 14 Sep 2025 06:00:03 GMT' } }, { body: { value: 1 } }],
      'GET /long': [{ status: 503, headers: { 'retry-after': '120' } }, { body: { value: 2 } }],
    });
    const { client, delays } = testClient({ maxDelayMs: 5000 });
    expect(await client.getJson(`${s.url}/date`, Schema)).toEqual({ value: 1 });
    expect(await client.getJson(`${s.url}/long`, Schema)).toEqual({ value: 2 });
    expect(delays).toEqual([3000, 5000]);
  });

  it('429 without Retry-After falls back to jittered backoff; exhausted retries report the status', async () => {
    const s = await serve({ 'GET /x': { status: 429, body: { error: 'slow down' } } });
    const { client, delays } = testClient({ retries: 1 });
    const err = (await client.getJson(`${s.url}/x`, Schema).catch((e: unknown) => e)) as HttpSourceError;
    expect(err).toMatchObject({ attempts: 2, status: 429, reason: 'status' });
    expect(err.message).toMatch(/HTTP 429.*slow down/);
    expect(delays).toEqual([50]);
  });

  it('a refused connection is a network error, retried', async () => {
    const port = await freePort();
    const { client, delays } = testClient({ retries: 2 });
    const err = (await client.getJson(`http://127.0.0.1:${port}/x`, Schema).catch((e: unknown) => e)) as HttpSourceError;
    expect(err).toMatchObject({ attempts: 3, status: undefined, reason: 'network' });
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(delays).toEqual([50, 100]);
  });

  it('waiting requests are served FIFO per host; other hosts are not held up', async () => {
    const started: string[] = [];
    const pending: Array<() => void> = [];
    const fakeFetch: typeof fetch = async (input) => {
      started.push(String(input));
      await new Promise<void>((r) => pending.push(r));
      return new Response('{"value":1}', { status: 200 });
    };
    const { client } = testClient({ perHostConcurrency: 1, fetch: fakeFetch });
    const calls = [0, 1, 2, 3].map((n) => client.getJson(`http://a.test/q?n=${n}`, Schema));
    const other = client.getJson('http://b.test/q', Schema);
    const tick = () => new Promise((r) => setTimeout(r, 0));
    await tick();
    expect(started).toEqual(['http://a.test/q?n=0', 'http://b.test/q']);
    while (started.length < 5 || pending.length > 0) {
      pending.shift()?.();
      await tick();
    }
    await Promise.all([...calls, other]);
    expect(started.filter((u) => u.startsWith('http://a.test'))).toEqual([0, 1, 2, 3].map((n) => `http://a.test/q?n=${n}`));
  });

  it('fetch() is a drop-in fetchApi: retries 5xx, returns a 4xx response as fetch would', async () => {
    const s = await serve({
      'GET /quote': [{ status: 503 }, { body: { outAmount: '123' } }],
      'POST /swap': { status: 400, body: { error: 'bad request' } },
    });
    const { client, delays } = testClient();
    // @jup-ag/api types fetchApi as WindowOrWorkerGlobalScope['fetch'], which resolves to `any` without
    // the DOM lib; the real contract is global fetch's signature.
    const fetchApi: typeof fetch = client.fetch;
    const ok = await fetchApi(`${s.url}/quote?inputMint=x`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ outAmount: '123' });
    const bad = await client.fetch(new Request(`${s.url}/swap`, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'bad request' });
    expect(s.requestsTo('POST /swap')[0]!.body).toBe('{"a":1}');
    expect(s.requests.map((r) => r.headers['user-agent'])).toEqual(['restake-keeper/0.1', 'restake-keeper/0.1', 'restake-keeper/0.1']);
    expect(delays).toEqual([50]);
  });
});

describe('sources.http config', () => {
  it('defaults the client and leaves unconfigured sources out', () => {
    const c = HttpSourcesSchema.parse({});
    expect(c).toEqual({ client: { timeoutMs: 5000, retries: 3, baseDelayMs: 200, maxDelayMs: 5000, perHostConcurrency: 4 } });
    expect(createHttpSources(c)).toEqual([]);
  });

  it('fills base URLs, and is strict about unknown keys and pool ids', () => {
    const c = HttpSourcesSchema.parse({ defillama: { pools: { stETH: STETH_POOL } }, lido: { assets: ['stETH'] }, jito: { assets: ['JitoSOL'] }, sanctum: { lsts: { INF: 'INF' } } });
    expect(c.defillama?.baseUrl).toBe('https://yields.llama.fi');
    expect(c.lido).toEqual({ baseUrl: 'https://eth-api.lido.fi', assets: ['stETH'], chainId: 1 });
    expect(c.jito?.baseUrl).toBe('https://kobe.mainnet.jito.network');
    expect(c.sanctum?.baseUrl).toBe('https://extra-api.sanctum.so');
    expect(HttpSourcesSchema.safeParse({ client: { timeout: 5 } }).success).toBe(false);
    expect(HttpSourcesSchema.safeParse({ defillama: { pools: { stETH: 'lido-steth' } } }).success).toBe(false);
    expect(HttpSourcesSchema.safeParse({ lido: { assets: [] } }).success).toBe(false);
    expect(HttpSourcesSchema.safeParse({ sanctum: { baseUrl: 'ftp://x', lsts: {} } }).success).toBe(false);
  });

  it('createHttpSources wires every configured source through one client', async () => {
    const s = await serve({
      'GET /pools': { body: fixture('defillama-pools.json') },
      'GET /v1/protocol/steth/apr/sma': { body: fixture('lido-apr-sma.json') },
      'POST /api/v1/stake_pool_stats': { body: fixture('jito-stake-pool-stats.json') },
      'GET /v1/apy/latest': { body: fixture('sanctum-apy-latest.json') },
    });
    const config = HttpSourcesSchema.parse({
      client: { perHostConcurrency: 1, retries: 0 },
      defillama: { baseUrl: s.url, pools: { stETH: STETH_POOL } },
      lido: { baseUrl: s.url, assets: ['wstETH'] },
      jito: { baseUrl: s.url, assets: ['JitoSOL'] },
      sanctum: { baseUrl: s.url, lsts: { INF: 'INF' } },
    });
    const sources = createHttpSources(config, { sleep: async () => {}, random: () => 0 });
    expect(sources.map((x) => x.name)).toEqual(['defillama', 'lido-api', 'jito-kobe', 'sanctum-api']);
    const reads = await Promise.all(sources.map((x) => x.read(NOW)));
    expect(reads.flatMap((r) => r.failures)).toEqual([]);
    expect(reads.flatMap((r) => r.observations.map((o) => `${o.source}:${o.asset}:${o.apyBase}`))).toEqual([
      'defillama:stETH:0.029',
      'lido-api:wstETH:0.0279',
      'jito-kobe:JitoSOL:0.0718',
      'sanctum-api:INF:0.0793',
    ]);
    expect(s.maxInFlight).toBe(1);
  });
});

/** A port nothing listens on: bind, read the port, close. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
