import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { formatCycleLine, type CycleReport } from '../src/keeper/cycle-report.js';
import { openJournal } from '../src/journal/open-journal.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { safeName } from '../src/cli/commands/sweep.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';
import { writeVariant } from './support/vault-variant.js';

/** What the operator sees is the truth: unknown when unknown, queued when queued, what ran is what is journaled. */

const E18 = 10n ** 18n;
const report = (extra: Partial<CycleReport>): CycleReport => ({
  cycleId: 7, time: Date.parse('2026-01-01T00:00:00Z'), status: 'completed', navBase: 100n * E18, current: { ETH: 0.5, wstETH: 0.5 }, targets: { ETH: 0.5, wstETH: 0.5 },
  planned: 0, filled: 0, failed: 0, costBase: 0n, firings: [], note: undefined, ...extra,
});

describe('cycle lines', () => {
  it('a cycle that failed closed prints NAV and weights as unknown, never the part that could be valued', () => {
    const line = formatCycleLine(report({ status: 'failed', navBase: 50n * E18, current: { ETH: 1 }, targets: undefined, note: 'source failed: http', navKnown: false }), 'ETH', 18);
    expect(line).toMatch(/NAV unknown \|/);
    expect(line).toMatch(/now unknown/);
    expect(line).not.toMatch(/50\.0000|100\.0%/);
  });

  it('money in a redemption queue shows as queued, apart from the base asset', () => {
    const line = formatCycleLine(report({ current: { ETH: 0.45, wstETH: 0.55 }, queuedBase: 40n * E18 }), 'ETH', 18);
    expect(line).toMatch(/now wstETH 55\.0% queued 40\.0% ETH 5\.0% \(queued 40\.0000 ETH\)/);
  });
});

describe('the live feed with its source down', () => {
  it('once fails closed: NAV unknown on the line and in the journal, exit 1 (cron and systemd notice)', async () => {
    const dir = tempDir('ov-');
    const file = join(dir, 'live.yaml');
    writeFileSync(
      file,
      `name: eth-live-down
chain: ethereum
baseAsset: ETH
registry: ${join(ROOT, 'config/assets/ethereum.yaml')}
journal: ${join(dir, 'live.sqlite')}
feed: live
initialHoldings: { ETH: "50000000000000000000", wstETH: "40000000000000000000" }
universe: [ETH, wstETH, weETH]
strategy: { name: risk-adjusted }
sources:
  timeoutMs: 3000
  http:
    client: { timeoutMs: 500, retries: 0 }
    lido: { baseUrl: "http://127.0.0.1:1", assets: [wstETH] }
`,
    );
    const r = await cliRun(['once', '-c', file, '--at', '2026-01-01T00:00:00Z']);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(/#1 NAV unknown \| target \(failed: source failed/);
    expect(r.stdout).not.toMatch(/NAV 50\.0000/);
    const cycles = await cliRun(['journal', 'cycles', '-c', file]);
    expect(cycles.stdout).toMatch(/\tfailed\t.*\tunknown\t/);
    const show = await cliRun(['journal', 'show', '1', '-c', file]);
    expect(show.stdout).toMatch(/portfolio after: NAV unknown/);
  }, 120_000);
});

describe('journal output and what a run journals', () => {
  it('--strategy and --param are journaled as the run config; URL credentials are redacted in it and in export; human units and --json', async () => {
    const dir = tempDir('ov-');
    const secretUrl = 'https://eth-mainnet.g.alchemy.com/v2/Zx81kQ4mT7uB2nW9pL5sR3vY6cE0aH1d';
    const file = writeVariant(dir, (y) => y.replace('rpcUrl: http://127.0.0.1:8545', `rpcUrl: ${secretUrl}`));
    const j = join(dir, 'j.sqlite');
    const r = await cliRun(['run', '-c', file, '-j', j, '--strategy', 'lst-conservative', '--param', 'riskAversion=3', '--max-cycles', '60', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const db = new Database(j, { readonly: true });
    const cfg = JSON.parse((db.prepare('SELECT config_json FROM runs').get() as { config_json: string }).config_json) as { strategy: { name: string; params: { riskAversion: number } }; execution: { evm: { rpcUrl: string } } };
    db.close();
    expect(cfg.strategy.name).toBe('lst-conservative');
    expect(cfg.strategy.params.riskAversion).toBe(3);
    expect(cfg.execution.evm.rpcUrl).toBe('https://eth-mainnet.g.alchemy.com/v2/[redacted]');
    const exp = await cliRun(['journal', 'export', 'runs', '-c', file, '-j', j]);
    expect(exp.code).toBe(0);
    expect(exp.stdout).not.toContain('Zx81kQ4mT7uB2nW9pL5sR3vY6cE0aH1d');
    const cycles = await cliRun(['journal', 'cycles', '-c', file, '-j', j, '--limit', '2']);
    expect(cycles.stdout).toMatch(/\t2024-\d\d-\d\dT00:00:00Z\tcompleted\t\w+\t\d+\.\d{1,4} ETH\t/);
    expect(cycles.stdout).not.toMatch(/\d\.\d{5,}/);
    const json = await cliRun(['journal', 'cycles', '-c', file, '-j', j, '--limit', '2', '--json']);
    const rows = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { navBase: string; decisionTime: string });
    expect(rows).toHaveLength(2);
    expect(rows[0]!.navBase).toMatch(/^\d{19,}$/);
    expect(rows[0]!.decisionTime).toMatch(/Z$/);
  }, 120_000);

  it('journal show lists queued redemptions in the portfolio after the cycle', async () => {
    const dir = tempDir('ov-');
    const j = join(dir, 'q.sqlite');
    expect((await cliRun(['run', '-j', j, '--max-cycles', '57', '-q'])).code).toBe(0);
    const db = new Database(j, { readonly: true });
    const cycle = (db.prepare("SELECT a.cycle_id c FROM actions a WHERE a.kind = 'redeem-request' ORDER BY a.cycle_id LIMIT 1").get() as { c: number } | undefined)?.c;
    // a skip names the real cause: the cash it would need is waiting in the queue
    const skips = (db.prepare("SELECT rationale_json r FROM decisions WHERE rationale_json LIKE '%waiting in redemption queues%'").all() as { r: string }[]).flatMap((x) => JSON.parse(x.r) as string[]).filter((l) => l.includes('waiting in redemption queues'));
    db.close();
    expect(skips[0]).toMatch(/^skipped: [\w-]+: entry of [\d.]+ \(wanted [\d.]+\) below the minimum trade or its gas — not enough cash: [\d.]+ ETH free for [\d.]+ wanted; [\d.]+ ETH is waiting in redemption queues$/);
    expect(cycle, 'the shipped history queues a redemption in its first 57 days').toBeDefined();
    const show = await cliRun(['journal', 'show', String(cycle), '-j', j]);
    expect(show.stdout).toMatch(/portfolio after: NAV \d+\.\d+ ETH; /);
    expect(show.stdout).toMatch(/ {2}queued: \d+(\.\d+)? \w+ → \d+(\.\d+)? ETH expected, claimable \d{4}-\d\d-\d\dT/);
  }, 120_000);

  it('a recording made at wall-clock time (milliseconds) exports and reads back', async () => {
    const dir = tempDir('ov-');
    const path = join(dir, 'rec.sqlite');
    const j = openJournal(path);
    const runId = j.startRun({ at: Date.now(), mode: 'record', vault: 'eth-restaking', configHash: 'h', configJson: '{}' });
    const t0 = Date.parse('2026-11-01T10:00:00.000Z');
    const times = [t0 + 123, t0 + 987, t0 + 60_000 + 456]; // two readings within one second, then a minute later
    for (const [k, t] of times.entries()) {
      const cycleId = j.beginCycle({ runId, decisionTime: t, at: t });
      j.recordObservations(cycleId, [{ time: t, asset: 'wstETH', source: 'evm:wsteth', ref: `block:${k}`, fairRate: 1.2 + k / 1000 }]);
    }
    j.close();
    const out = join(dir, 'mine.csv');
    const exp = await cliRun(['export', '--journal', path, '-o', out]);
    expect(exp.code, exp.stderr).toBe(0);
    const back = readHistoryFile(out);
    expect(back.map((o) => o.time - t0)).toEqual([0, 60_000]);
    expect(back[0]?.fairRate).toBeCloseTo(1.201, 12); // the later reading of the same second
    expect(back[0]?.ref).toBe('block:1');
  }, 60_000);

  it('sweep output stays under var/sweeps/ as one directory named for the vault', () => {
    expect(safeName('/work/x/config/vaults/eth-restaking.yaml')).toBe('eth-restaking');
    expect(safeName('../../etc/passwd')).toBe('passwd');
    expect(safeName('a b/c:d')).toBe('c-d');
  });
});
