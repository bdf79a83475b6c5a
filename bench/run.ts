/**
 * `npm run bench`: measures, in one run,
 *  - live read concurrency (issue 4): a cycle's read of every HTTP source against the slowest one;
 *  - serving cost (issue 14): CPU and RSS of `serve` with both vaults over 1 000 cycles each (serve-cost.ts);
 *  - backtest speed (issue 3): the floor (load and scan the whole history once) against a full
 *    backtest of the default strategy over the same history: both times, their ratio, rows per second,
 *    peak memory; on the bundled history and on a larger input made by repeating it;
 *  - the foresight ceiling (issue 10): its per-step facts and its whole-path LP, per bundled vault;
 *  - CLI start time: `--version` and `validate-config`, wall and CPU (cli-start.ts).
 * Each phase runs in its own process (peak RSS is then the phase's own). Inside it the phase repeats
 * BENCH_INNER times: the first run is reported as cold (JIT warming up), the best of the rest as warm
 * (on a shared machine the fastest run is the one least disturbed by other work).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVault } from '../src/config/load-vault.js';
import type { Observation } from '../src/domain/observation.js';
import { HISTORY_HEADER } from '../src/sources/recorded/history-columns.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { formatHistoryRow } from '../src/sources/recorded/history-row-format.js';
import { benchReadConcurrency } from './read-concurrency.js';
import { benchCeiling } from './ceiling-bench.js';
import { benchServeCost } from './serve-cost.js';
import { benchCliStart } from './cli-start.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const vaultPath = join(root, 'config', 'vaults', 'eth-restaking.yaml');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 1);

interface PhaseResult { phase: string; rows: number; ms: number; coldMs: number; maxRssMb: number; decisions?: number; lpMs?: number; loadMs?: number }

function runPhase(args: string[]): PhaseResult {
  const out = execFileSync(process.execPath, [join(here, 'phase.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(out.trim().split('\n').pop() as string) as PhaseResult;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function measure(label: string, file: string, from: string, to: string): void {
  const floors: PhaseResult[] = [];
  const runs: PhaseResult[] = [];
  for (let k = 0; k < REPEATS; k++) {
    floors.push(runPhase(['floor', file]));
    runs.push(runPhase(['backtest', file, vaultPath, from, to]));
  }
  const f = median(floors.map((x) => x.ms));
  const b = median(runs.map((x) => x.ms));
  const fc = median(floors.map((x) => x.coldMs));
  const bc = median(runs.map((x) => x.coldMs));
  const lp = median(runs.map((x) => x.lpMs ?? 0));
  const load = median(runs.map((x) => x.loadMs ?? 0));
  const rows = floors[0]?.rows ?? 0;
  const decisions = runs[0]?.decisions ?? 0;
  const rate = (ms: number) => `${(rows / (ms / 1000) / 1e6).toFixed(2)} M rows/s`;
  console.log(`\n${label}: ${rows.toLocaleString('en')} rows, ${decisions} daily decisions (${from.slice(0, 10)} → ${to.slice(0, 10)})`);
  console.log(`                                   warm (best of the repeats)       cold (first run in a fresh process)`);
  console.log(`  floor (load + scan once)     ${f.toFixed(1).padStart(9)} ms  ${rate(f).padStart(16)}    ${fc.toFixed(1).padStart(9)} ms  ${rate(fc).padStart(16)}   peak RSS ${median(floors.map((x) => x.maxRssMb)).toFixed(0)} MB`);
  console.log(`  full backtest (risk-adjusted)${b.toFixed(1).padStart(9)} ms  ${rate(b).padStart(16)}    ${bc.toFixed(1).padStart(9)} ms  ${rate(bc).padStart(16)}   peak RSS ${median(runs.map((x) => x.maxRssMb)).toFixed(0)} MB`);
  console.log(`  ratio backtest / floor       ${(b / f).toFixed(2).padStart(9)} ×                         ${(bc / fc).toFixed(2).padStart(9)} ×   (target ≤ 3×)`);
  console.log(`  where the warm time goes     load ${load.toFixed(0)} ms; ${decisions} decisions ${(b - load).toFixed(0)} ms = ${((b - load) / decisions).toFixed(3)} ms each, of which LP ${(lp / decisions).toFixed(3)} ms`);
}

/**
 * A larger input: the bundled history repeated back to back in time. Each copy's rates are scaled so
 * they continue from where the previous copy ended (no false slash at the seam). Synthetic, for
 * measuring speed only.
 */
function repeatHistory(rows: readonly Observation[], copies: number): string {
  const first = rows[0]?.time ?? 0;
  const span = (rows[rows.length - 1]?.time ?? 0) - first + 3_600_000;
  const firstRate = new Map<string, number>();
  const lastRate = new Map<string, number>();
  const firstIdx = new Map<string, number>();
  const lastIdx = new Map<string, number>();
  for (const o of rows) {
    if (o.fairRate !== undefined) {
      if (!firstRate.has(o.asset)) firstRate.set(o.asset, o.fairRate);
      lastRate.set(o.asset, o.fairRate);
    }
    if (o.supplyIndex !== undefined) {
      if (!firstIdx.has(o.asset)) firstIdx.set(o.asset, o.supplyIndex);
      lastIdx.set(o.asset, o.supplyIndex);
    }
  }
  const lines = ['# synthetic: bundled history repeated for the benchmark', HISTORY_HEADER];
  for (let k = 0; k < copies; k++) {
    for (const o of rows) {
      const g = (m1: Map<string, number>, m0: Map<string, number>) => Math.pow((m1.get(o.asset) ?? 1) / (m0.get(o.asset) ?? 1), k);
      const rg = g(lastRate, firstRate);
      const ig = g(lastIdx, firstIdx);
      lines.push(formatHistoryRow({ ...o, time: o.time + k * span, fairRate: o.fairRate === undefined ? undefined : o.fairRate * rg, marketRate: o.marketRate === undefined ? undefined : o.marketRate * rg, supplyIndex: o.supplyIndex === undefined ? undefined : o.supplyIndex * ig }));
    }
  }
  return `${lines.join('\n')}\n`;
}

const vault = loadVault(vaultPath);
const historyFile = vault.paths.history as string;
const from = vault.config.schedule.from as string;
const to = vault.config.schedule.to as string;
console.log(`restake-keeper bench — node ${process.version}, ${process.arch}`);
benchCliStart(root);
await benchReadConcurrency(root);
measure('bundled history (history/ethereum.csv)', historyFile, from, to);
await benchCeiling(root);

const copies = Number(process.env.BENCH_COPIES ?? 10);
const rows = readHistoryFile(historyFile);
const dir = mkdtempSync(join(tmpdir(), 'rk-bench-'));
const big = join(dir, `ethereum-x${copies}.csv`);
writeFileSync(big, repeatHistory(rows, copies));
const bigRows = readFileSync(big, 'utf8').split('\n').length;
const span = (rows[rows.length - 1]?.time ?? 0) - (rows[0]?.time ?? 0) + 3_600_000;
const bigTo = new Date(Date.parse(to) + (copies - 1) * span).toISOString();
measure(`repeated history ×${copies} (${bigRows.toLocaleString('en')} lines, synthetic continuation)`, big, from, bigTo);

await benchServeCost(root);
