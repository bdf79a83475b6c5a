import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { InstanceLease } from '../src/keeper/instance-lease.js';
import { cliAsync, ROOT, tempDir } from './support/cli.js';

/**
 * The done test of the service: `serve` with both shipped vaults on recorded history at a fast schedule,
 * as a real subprocess. /metrics changes as cycles run; /readyz turns not-ready, naming the vault, when
 * one vault's source dies (its recorded history file is removed under it) while the other keeps cycling;
 * the status page loads in Debian's Chromium; SIGTERM stops it and releases both leases.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test', 'artifacts');
const dir = tempDir('serve-');
const ethHistory = join(dir, 'ethereum.csv');
const solHistory = join(dir, 'solana.csv');
copyFileSync(join(ROOT, 'history/ethereum.csv'), ethHistory);
copyFileSync(join(ROOT, 'history/solana.csv'), solHistory);
const fleetFile = join(dir, 'fleet.yaml');
writeFileSync(
  fleetFile,
  `http: { host: 127.0.0.1, port: 0 }
shutdown: { grace: 10s }
vaults:
  - config: ${join(ROOT, 'config/vaults/eth-restaking.yaml')}
    journal: eth.sqlite
    history: ethereum.csv
    schedule: { every: 400ms }
    feed: recorded
  - config: ${join(ROOT, 'config/vaults/sol-staking.yaml')}
    journal: sol.sqlite
    history: solana.csv
    schedule: { every: 400ms }
    feed: recorded
`,
);

const child = cliAsync(['serve', '--fleet', fleetFile, '--port', '0']);
let stdout = '';
let stderr = '';
child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

afterAll(() => {
  if (child.exitCode === null) child.kill('SIGKILL');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function baseUrl(): Promise<string> {
  for (let i = 0; i < 300; i++) {
    const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(stdout);
    if (m) return m[1] as string;
    if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${stderr}`);
    await sleep(100);
  }
  throw new Error(`serve did not start: ${stdout} ${stderr}`);
}

/** One sample value from an exposition text, by metric name and exact label set text. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function waitFor<T>(what: string, f: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const v = await f();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('serve: two vaults in one process', () => {
  let url = '';
  let first = '';

  it('scrapes /metrics and sees it change as cycles run, for both vaults', async () => {
    url = await baseUrl();
    first = await waitFor('a first completed cycle of both vaults', async () => {
      const t = await (await fetch(`${url}/metrics`)).text();
      return (sample(t, 'restake_keeper_cycles_total', 'vault="eth-restaking",outcome="completed"') ?? 0) >= 2 && (sample(t, 'restake_keeper_cycles_total', 'vault="sol-staking",outcome="completed"') ?? 0) >= 2 ? t : undefined;
    });
    const completed = (t: string, vault: string) => sample(t, 'restake_keeper_cycles_total', `vault="${vault}",outcome="completed"`) ?? 0;
    const later = await waitFor('more cycles of both vaults', async () => {
      const t = await (await fetch(`${url}/metrics`)).text();
      return completed(t, 'eth-restaking') > completed(first, 'eth-restaking') + 1 && completed(t, 'sol-staking') > completed(first, 'sol-staking') + 1 ? t : undefined;
    });
    expect((await fetch(`${url}/metrics`)).headers.get('content-type')).toMatch(/text\/plain/);
    for (const vault of ['eth-restaking', 'sol-staking']) {
      const v = `vault="${vault}"`;
      const c0 = sample(first, 'restake_keeper_cycles_total', `${v},outcome="completed"`) as number;
      const c1 = sample(later, 'restake_keeper_cycles_total', `${v},outcome="completed"`) as number;
      expect(c1, vault).toBeGreaterThan(c0);
      // Each tick advanced one recorded step: the decision time moved forward in recorded time.
      expect(sample(later, 'restake_keeper_last_decision_time_seconds', v)).toBeGreaterThan(sample(first, 'restake_keeper_last_decision_time_seconds', v) as number);
      expect(sample(later, 'restake_keeper_journal_bytes', v)).toBeGreaterThan(0);
      expect(sample(later, 'restake_keeper_cycle_duration_seconds_count', v)).toBeGreaterThan(sample(first, 'restake_keeper_cycle_duration_seconds_count', v) as number);
      expect([0, 1]).toContain(sample(later, 'restake_keeper_vault_ready', v)); // 1 unless a busy machine made it late
      expect(sample(later, 'restake_keeper_last_cycle_outcome', `${v},outcome="completed"`)).toBe(1);
    }
    // NAV in the base asset, and weights per asset summing to one.
    expect(sample(later, 'restake_keeper_nav', 'vault="eth-restaking",base="ETH"')).toBeGreaterThan(99);
    expect(sample(later, 'restake_keeper_nav', 'vault="sol-staking",base="SOL"')).toBeGreaterThan(9_900);
    const ethWeights = later.split('\n').filter((l) => l.startsWith('restake_keeper_weight{vault="eth-restaking"'));
    expect(ethWeights.length).toBe(8);
    expect(ethWeights.reduce((s, l) => s + Number(l.split(' ').pop()), 0)).toBeCloseTo(1, 6);
    expect(later).toMatch(/restake_keeper_source_read_seconds_count\{vault="sol-staking",source="recorded:solana.csv"\} \d+/);
    expect(later).toContain('restake_keeper_in_flight{vault="eth-restaking",kind="transaction"} 0');
    expect(later).toContain('restake_keeper_spend_today_base{vault="sol-staking"} 0');
    expect(later).toContain('restake_keeper_quarantined_readings_total{vault="eth-restaking"} 0');
    expect(later).toMatch(/process_resident_memory_bytes \d+/);
  }, 90_000);

  it('answers /healthz, /readyz and /api/vaults with each vault\'s state, last decision and why', async () => {
    expect(await (await fetch(`${url}/healthz`)).text()).toBe('ok\n');
    // Both on time: a busy machine can make a vault briefly late for a 400 ms schedule, so ask until it is.
    const ready = await waitFor('readyz 200', async () => {
      const r = await fetch(`${url}/readyz`);
      return r.status === 200 ? r.text() : undefined;
    });
    expect(ready).toMatch(/^ready\neth-restaking: ready \(running\)\nsol-staking: ready \(running\)/);
    const api = (await (await fetch(`${url}/api/vaults`)).json()) as { vaults: Array<{ name: string; state: string; leaseHeld: boolean; lastDecision: { rationale: string[] } | null; inFlight: unknown; recentEvents: unknown[]; navSeries: unknown[] }> };
    expect(api.vaults.map((v) => v.name)).toEqual(['eth-restaking', 'sol-staking']);
    for (const v of api.vaults) {
      expect(v.state).toBe('running');
      expect(v.leaseHeld).toBe(true);
      expect(v.lastDecision?.rationale.length).toBeGreaterThan(0);
      expect(v.inFlight).toEqual({ actions: [], transactions: [], proposals: [] });
      expect(v.navSeries.length).toBeGreaterThan(1);
    }
    expect((await fetch(`${url}/api/vaults/nope`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('loads the status page in Chromium: no console errors, nothing fetched beyond the server, a screenshot', async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Debian's chromium is not installed at ${CHROMIUM} (apt-get install -y chromium)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = join(ARTIFACTS, 'status-page.png');
    rmSync(screenshot, { force: true });
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      const resp = await page.goto(`${url}/`, { waitUntil: 'load' });
      expect(resp?.headers()['content-security-policy']).toMatch(/default-src 'none'/);
      const seen = (await page.evaluate(`({
        vaults: Array.from(document.querySelectorAll('section.vault h2')).map((h) => h.textContent),
        navLines: document.querySelectorAll('svg[aria-label="NAV over time"] polyline').length,
        allocationBars: document.querySelectorAll('svg[aria-label="allocation now"] rect').length,
        rationale: document.querySelectorAll('section.vault ul li').length,
        scripts: document.scripts.length,
      })`)) as { vaults: string[]; navLines: number; allocationBars: number; rationale: number; scripts: number };
      await page.screenshot({ path: screenshot, fullPage: true });
      expect(errors).toEqual([]);
      expect(requests.every((r) => r.startsWith(`${url}/`)), requests.join(', ')).toBe(true);
      expect(seen.vaults.join(' ')).toMatch(/eth-restaking[\s\S]*sol-staking/);
      expect(seen.navLines).toBe(2);
      expect(seen.allocationBars).toBeGreaterThanOrEqual(4);
      expect(seen.rationale).toBeGreaterThan(2);
      expect(seen.scripts).toBe(0);
      expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('turns /readyz not-ready naming the vault whose source died, while the other vault keeps cycling', async () => {
    rmSync(solHistory);
    // A busy machine can also make eth-restaking late (readiness allows 2 × its 400 ms schedule):
    // wait for the answer that names sol-staking's dead source while eth-restaking is on time.
    const body = await waitFor('readyz to name sol-staking only', async () => {
      const r = await fetch(`${url}/readyz`);
      const t = await r.text();
      return r.status === 503 && /sol-staking: NOT READY/.test(t) && /eth-restaking: ready/.test(t) ? t : undefined;
    });
    expect(body).toMatch(/^not ready/);
    expect(body).toMatch(/sol-staking: NOT READY — .*sources did not answer: recorded:solana\.csv/);
    expect(body).toMatch(/eth-restaking: ready/);
    const eth = (t: string) => sample(t, 'restake_keeper_cycles_total', 'vault="eth-restaking",outcome="completed"') as number;
    const before = await (await fetch(`${url}/metrics`)).text();
    const after = await waitFor('eth-restaking to keep cycling', async () => {
      const t = await (await fetch(`${url}/metrics`)).text();
      return eth(t) > eth(before) + 1 ? t : undefined;
    });
    expect(sample(after, 'restake_keeper_source_failures_total', 'vault="sol-staking",source="recorded:solana.csv"')).toBeGreaterThan(0);
    expect(sample(after, 'restake_keeper_cycles_total', 'vault="sol-staking",outcome="failed"')).toBeGreaterThan(0);
    expect(sample(after, 'restake_keeper_vault_ready', 'vault="sol-staking"')).toBe(0);
    const api = (await (await fetch(`${url}/api/vaults/sol-staking`)).json()) as { ready: boolean; halted: { outcome: string } | null; lastCycle: { outcome: string; note: string } };
    expect(api.ready).toBe(false);
    expect(api.halted?.outcome).toBe('failed');
    expect(api.lastCycle.outcome).toBe('failed');
    expect(api.lastCycle.note).toMatch(/source failed/);
  }, 60_000);

  it('stops on SIGTERM with the signal\'s status (143): cycles finish, both leases are released', async () => {
    child.kill('SIGTERM');
    const code = await Promise.race([exited, sleep(15_000).then(() => 'timeout' as const)]);
    expect(code, stderr).toBe(143);
    expect(stdout).toMatch(/vault eth-restaking: stopped, lease released/);
    expect(stdout).toMatch(/vault sol-staking: stopped, lease released/);
    for (const j of ['eth.sqlite', 'sol.sqlite']) InstanceLease.acquire(join(dir, j), 'test').release();
    expect(readFileSync(join(dir, 'eth.sqlite')).length).toBeGreaterThan(0);
  }, 30_000);
});

describe('serve refuses a bad fleet before running anything', () => {
  it('names every problem and exits 2: a non-loopback host without a token, an unknown key, a vault config that does not load', async () => {
    const { cliRun } = await import('./support/cli.js');
    const bad = join(tempDir('serve-bad-'), 'fleet.yaml');
    writeFileSync(bad, `http: { host: 0.0.0.0, colour: blue }\nvaults:\n  - { config: nowhere.yaml }\n`);
    const r = await cliRun(['serve', '--fleet', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/http\.token/);
    expect(r.stderr).toMatch(/colour/);
    expect(r.stdout).not.toMatch(/listening/);
    const noVault = join(tempDir('serve-bad-'), 'fleet.yaml');
    writeFileSync(noVault, `vaults:\n  - { config: nowhere.yaml }\n`);
    const r2 = await cliRun(['serve', '--fleet', noVault]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/vaults\.0 \(nowhere\.yaml\)/);
  }, 30_000);
});
