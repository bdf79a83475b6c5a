/**
 * One measured phase in its own process, so its peak memory is its own:
 *   node dist/bench/phase.js floor <history.csv>
 *   node dist/bench/phase.js backtest <history.csv> <vault.yaml> <from> <to>
 * Prints one JSON line: { phase, rows, ms, maxRssMb, ... }.
 */
import { loadVault } from '../src/config/load-vault.js';
import type { Observation } from '../src/domain/observation.js';
import { DAY } from '../src/domain/time.js';
import { simulate } from '../src/backtest/simulate.js';
import { readHistoryFile } from '../src/sources/recorded/history-file.js';
import { loadSolver } from '../src/strategy/load-solver.js';
import { loadStrategy, parseStrategyParams } from '../src/strategy/load-strategy.js';

const [phase, file, vaultPath, fromText, toText] = process.argv.slice(2);
/** Repetitions inside this process: the first is cold (JIT warming up), the rest show steady state. */
const REPS = Math.max(1, Number(process.env.BENCH_INNER ?? 5));

/** Best of the warm repetitions: on a shared machine the fastest run is the one least disturbed. */
function best(xs: number[]): number {
  return Math.min(...xs);
}
if (!phase || !file) throw new Error('usage: phase.js floor|backtest <history.csv> [vault.yaml from to]');

function peakMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

if (phase === 'floor') {
  const times: number[] = [];
  let rows: Observation[] = [];
  let acc = 0;
  for (let k = 0; k < REPS; k++) {
    const t0 = performance.now();
    rows = readHistoryFile(file);
    // The scan touches every reading once, as the backtest's fold does.
    for (const o of rows) acc += (o.fairRate ?? 0) + (o.apyLending ?? 0);
    times.push(performance.now() - t0);
  }
  console.log(JSON.stringify({ phase, rows: rows.length, coldMs: times[0], ms: best(times.slice(REPS > 1 ? 1 : 0)), maxRssMb: peakMb(), checksum: acc }));
} else if (phase === 'backtest') {
  if (!vaultPath || !fromText || !toText) throw new Error('backtest needs vault, from, to');
  const vault = loadVault(vaultPath);
  const strategy = await loadStrategy(vault.config.strategy.name);
  const params = parseStrategyParams(strategy, vault.config.strategy.params, vault.file);
  const solver = await loadSolver((process.env.BENCH_SOLVER as 'yalps' | 'highs' | undefined) ?? vault.config.optimizer.solver);
  const times: number[] = [];
  const loads: number[] = [];
  const lps: number[] = [];
  let summary: Record<string, unknown> = {};
  for (let k = 0; k < REPS; k++) {
    const t0 = performance.now();
    const rows = readHistoryFile(file);
    loads.push(performance.now() - t0);
    let solveMs = 0;
    const timed = { name: solver.name, solve: (p: Parameters<typeof solver.solve>[0]) => { const s = performance.now(); const r = solver.solve(p); solveMs += performance.now() - s; return r; } };
    const r = simulate({ vault, strategy, params, solver: timed, rows, from: Date.parse(fromText), to: Date.parse(toText), step: DAY });
    times.push(performance.now() - t0);
    lps.push(solveMs);
    summary = { rows: rows.length, rowsRead: r.rowsRead, decisions: r.steps.length, endNav: r.steps[r.steps.length - 1]?.nav };
  }
  const warm = (xs: number[]) => best(xs.slice(REPS > 1 ? 1 : 0));
  console.log(JSON.stringify({ phase, ...summary, coldMs: times[0], ms: warm(times), loadMs: warm(loads), lpMs: warm(lps), maxRssMb: peakMb() }));
} else throw new Error(`unknown phase ${phase}`);
