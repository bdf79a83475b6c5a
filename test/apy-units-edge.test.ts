import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AssetView, Snapshot } from '../src/market/asset-view.js';
import { ApyReferenceBook, apyUnitError } from '../src/sources/http/apy-reference.js';
import { DefiLlamaSource } from '../src/sources/http/defillama-source.js';
import { createHttpClient } from '../src/sources/http/http-client.js';
import { createHttpSources, HttpSourcesSchema } from '../src/sources/http/http-sources-config.js';
import { SanctumApySource } from '../src/sources/http/sanctum-apy-source.js';
import { startLoopback, type LoopbackServer, type RouteTable } from './support/loopback-http.js';

/**
 * Percent slips at the API edge: every yield API's APY is cross-checked with the APY the asset's own fair
 * rate implies (as the keeper's trusted view last had it); a factor near 100 is named a unit error and
 * the reading never leaves the source. Loopback servers replay the recorded response shapes.
 */
const NOW = Date.parse('2025-09-14T06:00:00Z');
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'http', name), 'utf8'));
const client = () => createHttpClient({ timeoutMs: 2000, retries: 0, baseDelayMs: 1, maxDelayMs: 1, perHostConcurrency: 4, random: () => 0.5, sleep: async () => {}, now: () => NOW });

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

function book(implied: Record<string, number>, kinds: Record<string, string>): ApyReferenceBook {
  const b = ApyReferenceBook.forAssets(Object.entries(kinds).map(([id, kind]) => ({ id, kind })));
  const assets = new Map(Object.entries(implied).map(([asset, apy]) => [asset, { asset, fields: {}, rateGrowthApy: apy, apyAverage: {}, fairRatePeak: null, lastTime: NOW, fairRateSince: null } satisfies AssetView]));
  b.update({ time: NOW, assets } satisfies Snapshot);
  return b;
}

describe('APY unit errors at the API edge', () => {
  const ref = book({ stETH: 0.0305, weETH: 0.031, JitoSOL: 0.075, mSOL: 0.072, jupSOL: 0.081, 'aave-v3-WETH': 0.0001 }, { stETH: 'lst', weETH: 'lrt', JitoSOL: 'lst', mSOL: 'lst', jupSOL: 'lst', 'aave-v3-WETH': 'lending' });

  it('a DefiLlama APY sent as a fraction where percent is expected (0.029 read as 0.029 %) is a named unit error, the others pass', async () => {
    const body = fixture('defillama-pools.json') as { data: Array<{ pool: string; apyBase: number }> };
    const steth = body.data.find((p) => p.pool === '747c1d2a-c668-4682-b9f9-296708a3dd90');
    if (!steth) throw new Error('fixture lacks the stETH pool');
    steth.apyBase = 0.029;
    const s = await serve({ 'GET /pools': { body } });
    const pools = { stETH: '747c1d2a-c668-4682-b9f9-296708a3dd90', weETH: '46bd2bdf-6d92-4066-b482-e885ee172264', JitoSOL: '0e7d0722-9054-4907-8593-567b353c0900' };
    const r = await new DefiLlamaSource(client(), { baseUrl: s.url, pools }, ref).read(NOW);
    expect(r.observations.map((o) => o.asset)).toEqual(['weETH', 'JitoSOL']);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ source: 'defillama', assets: ['stETH'] });
    expect(r.failures[0]?.message).toMatch(/apyBase=0\.00029: unit error: ≈1\/100 of the 3\.05 % stETH's fair rate implies .*not used/);
  });

  it('through the factory too: a Sanctum APY 100× too small (0.00072 for 0.072) is refused', async () => {
    const s = await serve({ 'GET /v1/apy/latest': { body: { apys: { jupSOL: 0.0842, mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So: 0.00072 }, errs: {} } } });
    const config = HttpSourcesSchema.parse({ sanctum: { baseUrl: s.url, lsts: { jupSOL: 'jupSOL', mSOL: 'mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So' } } });
    const [src] = createHttpSources(config, { apyReference: ref, sleep: async () => {} });
    const r = await (src as SanctumApySource).read(NOW);
    expect(r.observations.map((o) => [o.asset, o.apyBase])).toEqual([['jupSOL', 0.0842]]);
    expect(r.failures[0]?.message).toMatch(/mSOL: apyBase=0\.00072: unit error/);
  });

  it('no reference, or a lending position (its APY is a supply rate, not its token rate), is not cross-checked; a plausible APY passes', () => {
    expect(apyUnitError({ time: NOW, asset: 'rETH', source: 'x', apyBase: 0.0003 }, ref)).toBeUndefined();
    expect(apyUnitError({ time: NOW, asset: 'aave-v3-WETH', source: 'x', apyBase: 0.02 }, ref)).toBeUndefined();
    expect(apyUnitError({ time: NOW, asset: 'stETH', source: 'x', apyBase: 0.045 }, ref)).toBeUndefined();
    expect(apyUnitError({ time: NOW, asset: 'stETH', source: 'x', apyBase: 0.0003 }, undefined)).toBeUndefined();
    expect(apyUnitError({ time: NOW, asset: 'JitoSOL', source: 'x', apyBase: 0.00075 }, ref)).toMatch(/unit error/);
  });
});
