import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVault } from '../src/config/load-vault.js';
import { loadRegistry, mergeOverlay } from '../src/config/registry-overlay.js';
import { KeeperError } from '../src/errors.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY, parseTime } from '../src/domain/time.js';
import { exitQuotes } from '../src/market/cost-model.js';
import { MarketState } from '../src/market/market-state.js';
import { respondToDepegs } from '../src/risk/depeg-breaker.js';
import { NO_EPISODES } from '../src/risk/depeg-episodes.js';
import { valuePortfolio } from '../src/market/valuation.js';
import { ROOT, tempDir } from './support/cli.js';

const SHIPPED = join(ROOT, 'config/assets/ethereum.yaml');
const RETH = join(ROOT, 'config/assets/overlays/reth.example.yaml');

function vaultWith(overlays: string[], universe = '[ETH, wstETH, weETH, rETH]'): string {
  const dir = tempDir('rk-overlay-');
  const file = join(dir, 'v.yaml');
  writeFileSync(file, [
    'name: overlay-test', 'chain: ethereum', 'baseAsset: ETH', `registry: ${SHIPPED}`,
    `registryOverlays: [${overlays.join(', ')}]`, `journal: ${join(dir, 'j.sqlite')}`,
    'initialHoldings: { ETH: "100000000000000000000" }', `universe: ${universe}`, 'strategy: { name: risk-adjusted }', '',
  ].join('\n'));
  return file;
}

describe('registry overlays', () => {
  it('merge rules: objects merge, other values replace, null removes', () => {
    const base = { a: { x: 1, y: [1, 2], z: { k: 1 } }, b: 2 };
    expect(mergeOverlay(base, { a: { y: [3], z: { j: 2 } }, c: 3 })).toEqual({ a: { x: 1, y: [3], z: { k: 1, j: 2 } }, b: 2, c: 3 });
    expect(mergeOverlay(base, { a: { z: null }, b: null })).toEqual({ a: { x: 1, y: [1, 2] } });
  });

  it('the rETH example adds an asset with its own layers and overrides one wstETH number, leaving the rest as shipped', () => {
    const shipped = loadRegistry(SHIPPED);
    const r = loadRegistry(SHIPPED, [RETH]);
    expect(Object.keys(r.assets)).toEqual([...Object.keys(shipped.assets), 'rETH']);
    expect(r.assets.rETH?.layers).toEqual(['ethereum-consensus', 'rocketpool', 'rocketpool-operators']);
    expect(r.layers.rocketpool?.failureModes).toHaveLength(2);
    expect(r.assets.wstETH?.exit.dex?.impactAtRef).toBe(0.003);
    expect(shipped.assets.wstETH?.exit.dex?.impactAtRef).not.toBe(0.003);
    expect(r.assets.wstETH?.exit.dex?.venue).toBe(shipped.assets.wstETH?.exit.dex?.venue);
    expect(r.assets.wstETH?.exit.redeem).toEqual(shipped.assets.wstETH?.exit.redeem);
    expect(r.assets.weETH).toEqual(shipped.assets.weETH);
  });

  it('a vault lists overlays relative to itself; rETH joins the universe, ineligible until its rate is recorded', () => {
    const v = loadVault(vaultWith([RETH]));
    expect(v.universe.byId.get('rETH')?.groups.protocol).toBe('rocketpool');
    expect(v.hash).not.toBe(loadVault(vaultWith([], '[ETH, wstETH, weETH]')).hash);
  });

  it('a broken overlay is refused, naming the overlay and the path', () => {
    const bad = join(tempDir('rk-bad-'), 'bad.yaml');
    writeFileSync(bad, 'version: 1\nassets:\n  rETH2:\n    symbol: rETH2\n    chain: ethereum\n    kind: lst\n    decimals: 18\n    valuedIn: ETH\n    groups: { protocol: rp, underlying: ETH }\n    layers: [no-such-layer]\n    entry: { mint: { feeFraction: 0, gasUnits: 1, note: test fixture } }\n    exit: { dex: { venue: v, feeFraction: 0, impactAtRef: 0, refSizeBase: 1, gasUnits: 1, note: test fixture } }\n    note: test fixture\n');
    let err: unknown;
    try {
      loadRegistry(SHIPPED, [bad]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KeeperError);
    expect(String((err as Error).message)).toMatch(/bad\.yaml assets\.rETH2\.layers\.0 \(after overlays\)/);
    expect(String((err as Error).message)).toMatch(/unknown layer "no-such-layer"/);
    const typo = join(tempDir('rk-bad-'), 'typo.yaml');
    writeFileSync(typo, 'version: 1\nasets: {}\n');
    expect(() => loadRegistry(SHIPPED, [typo])).toThrow(/typo\.yaml/);
  });
});

describe('time-bounded routes', () => {
  const v = loadVault(join(ROOT, 'config/vaults/eth-restaking.yaml'));
  const u = v.universe;
  /** wstETH three weeks at a 3 % discount with its fair rate growing, ending at `end`. */
  function snapAt(end: number) {
    const m = new MarketState(30 * DAY, 36 * 3_600_000);
    const rows: Observation[] = [];
    for (let n = 20; n >= 0; n--) {
      const fair = 1.1 * (1 + 0.035 * (20 - n) / 365);
      rows.push({ time: end - n * DAY, asset: 'wstETH', source: 'test', fairRate: fair, marketRate: fair * (n < 10 ? 0.97 : 0.999) });
    }
    m.ingestAll(rows);
    return m.view(end);
  }

  it("Lido's withdrawal queue does not exist in a 2022 replay and does from May 2023", () => {
    const wst = u.byId.get('wstETH')!;
    expect(exitQuotes(u, snapAt(parseTime('2022-06-15T00:00:00Z')), wst, 10).map((q) => q.kind)).toEqual(['sell']);
    expect(exitQuotes(u, snapAt(parseTime('2023-05-14T00:00:00Z')), wst, 10).map((q) => q.kind)).toEqual(['sell']);
    expect(exitQuotes(u, snapAt(parseTime('2023-05-15T00:00:00Z')), wst, 10).map((q) => q.kind)).toEqual(['redeem-request', 'sell']);
  });

  it('the 2022-style stETH discount: without the queue the keeper holds (no sale into the discount); with it, it redeems at fair', () => {
    const respond = (end: number) => {
      const snap = snapAt(end);
      const p = { holdings: new Map([['wstETH', 40n * 10n ** 18n]]), pending: [], indexSeen: new Map() };
      const c = v.config;
      return respondToDepegs(u, snap, valuePortfolio(u, snap, p), new Set(['wstETH']), NO_EPISODES, { breakers: c.breakers, limits: c.limits, planner: c.planner, trust: c.trust }, end).decisions.get('wstETH');
    };
    const y2022 = respond(parseTime('2022-06-15T00:00:00Z'));
    expect(y2022?.action).toBe('hold');
    expect(y2022?.numbers.queueDelayDays).toBeNull();
    expect(y2022?.why).toMatch(/queue none/);
    expect(respond(parseTime('2024-06-15T00:00:00Z'))?.action).toBe('redeem');
  });

  it('a route era that ends before it starts is refused', () => {
    const bad = join(tempDir('rk-era-'), 'era.yaml');
    writeFileSync(bad, 'version: 1\nassets:\n  wstETH:\n    exit:\n      redeem: { from: "2024-01-01T00:00:00Z", until: "2023-01-01T00:00:00Z" }\n');
    expect(() => loadRegistry(SHIPPED, [bad])).toThrow(/assets\.wstETH\.exit\.redeem\.until.*must be after from/);
  });
});
