/**
 * Converts the shared recorded data (see its SOURCES.md) into the project's recorded-history format
 * (history/FORMAT.md) and writes history/ethereum.csv, history/solana.csv and history/PROVENANCE.md.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/convert-recorded.js /work/shared/data/recorded history
 *
 * Deterministic: the same inputs give byte-identical outputs. Fails loudly (exit 1) on any unexpected
 * input: a missing column, an unparseable number, a duplicate (time, asset, source), or an output the
 * reader would reject (each output is re-read with parseHistory before it is written).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Observation } from '../src/domain/observation.js';
import { parseTime, type EpochMs } from '../src/domain/time.js';
import {
  HISTORY_FORMAT_VERSION,
  HISTORY_HEADER,
  formatHistoryRow,
  formatHistoryTime,
  parseHistory,
} from '../src/sources/recorded/history-file.js';

type Row = Record<string, string>;
type Obs = { -readonly [K in keyof Observation]: Observation[K] };

class ConvertError extends Error {}

function fail(msg: string): never {
  throw new ConvertError(msg);
}

// ---------------------------------------------------------------------------------------------------
// input helpers

function readCsv(dir: string, name: string, columns: readonly string[]): Row[] {
  const text = readFileSync(join(dir, name), 'utf8');
  const rows = parse(text, { columns: true, skip_empty_lines: true, bom: true }) as Row[];
  const first = rows[0];
  if (!first) fail(`${name}: no rows`);
  for (const c of columns) if (!(c in first)) fail(`${name}: missing column "${c}" (has ${Object.keys(first).join(',')})`);
  return rows;
}

function field(row: Row, col: string, file: string, line: number): string {
  const v = row[col];
  if (v === undefined) fail(`${file}:${line}: no column ${col}`);
  return v.trim();
}

function num(text: string, what: string): number {
  if (text === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) fail(`${what}: not a number: "${text}"`);
  const v = Number(text);
  if (!Number.isFinite(v)) fail(`${what}: not finite: "${text}"`);
  return v;
}

function unixSeconds(text: string, what: string): EpochMs {
  if (!/^\d{9,11}$/.test(text)) fail(`${what}: not a unix timestamp: "${text}"`);
  return Number(text) * 1000;
}

function isoTime(text: string, what: string): EpochMs {
  try {
    const ms = parseTime(text);
    if (ms % 1000 !== 0) fail(`${what}: time has sub-second part: "${text}"`);
    return ms;
  } catch (e) {
    if (e instanceof ConvertError) throw e;
    return fail(`${what}: ${(e as Error).message}`);
  }
}

/**
 * "3.49" (percent) → 0.0349 by moving the decimal point in the string, so the fraction is the
 * double nearest the exact decimal (3.49/100 would be, but 1.8/100 gives 0.018000000000000002).
 */
export function percentToFraction(text: string, what: string): number {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) fail(`${what}: not a percent decimal: "${text}"`);
  const sign = m[1] ?? '';
  const intPart = m[2] ?? '';
  const digits = intPart + (m[3] ?? '');
  const point = intPart.length - 2;
  const shifted = point <= 0 ? `0.${'0'.repeat(-point)}${digits}` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  const v = Number(`${sign}${shifted}`);
  const check = Number(text) / 100;
  if (!(Math.abs(v - check) <= 1e-15 * Math.max(1, Math.abs(check)))) fail(`${what}: percent shift disagrees: ${text} → ${v} vs ${check}`);
  return v;
}

const SECONDS_PER_YEAR = 31_536_000;

/** Aave: APY = (1 + APR/secondsPerYear)^secondsPerYear − 1 (per-second compounding), computed stably. */
export function aaveAprToApy(apr: number): number {
  return Math.expm1(SECONDS_PER_YEAR * Math.log1p(apr / SECONDS_PER_YEAR));
}

// ---------------------------------------------------------------------------------------------------
// the conversions

const F = {
  wstethPeg: 'wsteth_eth_protocol_vs_market_hourly_2024-2025.csv',
  weethPeg: 'weeth_eth_protocol_vs_market_hourly_2024-2025.csv',
  etherfiApy: 'etherfi_eeth_apy_daily_2024-06_2025-09.csv',
  aave: 'aave_v3_ethereum_weth_wsteth_weeth_daily_aavescan_2024-2025.csv',
  solRates: 'solana_lst_exchange_rates_per_epoch_2023-02_2025-06.csv',
  solStake: 'solana_stake_pool_delegated_stake_per_epoch_2025-07_2026-04.csv',
} as const;

interface Notes {
  /** Upstream rows read per input file. */
  readonly inputRows: Record<string, number>;
  /** Named counters: what was dropped or blanked, and why. */
  readonly counts: Record<string, number>;
  /** Free-form facts discovered while converting (dates of blanked rows etc.). */
  readonly facts: Record<string, string[]>;
}

function note(n: Notes, key: string, fact?: string): void {
  n.counts[key] = (n.counts[key] ?? 0) + 1;
  if (fact !== undefined) (n.facts[key] ??= []).push(fact);
}

function convertPeg(dir: string, file: string, asset: string, source: string, market: string, n: Notes): Obs[] {
  const rows = readCsv(dir, file, ['timestamp_utc', 'asset', 'protocol_rate_eth', 'market_rate_eth_24h_median', 'market_source']);
  n.inputRows[file] = rows.length;
  return rows.map((r, i) => {
    const line = i + 2;
    const what = `${file}:${line}`;
    if (field(r, 'asset', file, line) !== asset) fail(`${what}: asset "${r.asset}" where ${asset} was expected`);
    if (field(r, 'market_source', file, line) !== market) fail(`${what}: market_source "${r.market_source}" where ${market} was expected`);
    return {
      time: isoTime(field(r, 'timestamp_utc', file, line), what),
      asset,
      source,
      fairRate: num(field(r, 'protocol_rate_eth', file, line), `${what} protocol_rate_eth`),
      marketRate: num(field(r, 'market_rate_eth_24h_median', file, line), `${what} market_rate_eth_24h_median`),
    };
  });
}

function convertEtherfiApy(dir: string, n: Notes): Obs[] {
  const file = F.etherfiApy;
  const rows = readCsv(dir, file, ['Timestamp', 'Date', 'Base', 'Reward']);
  n.inputRows[file] = rows.length;
  const out: Obs[] = [];
  rows.forEach((r, i) => {
    const line = i + 2;
    const what = `${file}:${line}`;
    const time = unixSeconds(field(r, 'Timestamp', file, line), what);
    const date = field(r, 'Date', file, line);
    if (formatHistoryTime(time).slice(0, 10) !== date) fail(`${what}: Timestamp ${r.Timestamp} is not midnight UTC of Date ${date}`);
    const base = field(r, 'Base', file, line);
    const reward = field(r, 'Reward', file, line);
    const o: Obs = { time, asset: 'weETH', source: 'etherfi-apy-daily' };
    if (base === '') note(n, 'etherfi.baseBlank', date);
    else if (num(base, `${what} Base`) === 0) note(n, 'etherfi.baseZeroBlanked', date);
    else {
      if (num(base, `${what} Base`) < 1) note(n, 'etherfi.baseLow', `${date} ${base} %`);
      o.apyBase = percentToFraction(base, `${what} Base`);
    }
    if (reward === '') note(n, 'etherfi.rewardBlank', date);
    else o.apyIncentives = percentToFraction(reward, `${what} Reward`);
    if (o.apyBase === undefined && o.apyIncentives === undefined) {
      note(n, 'etherfi.rowDroppedNoValue', date);
      return;
    }
    out.push(o);
  });
  return out;
}

function convertAave(dir: string, n: Notes): Obs[] {
  const file = F.aave;
  const cols = ['targetDate', 'timestamp', 'blockNumber', 'symbol', 'liquidityIndex', 'currentLiquidityRate', 'totalAToken', 'totalStableDebt', 'totalVariableDebt', 'price'];
  const rows = readCsv(dir, file, cols);
  n.inputRows[file] = rows.length;
  const wethPrice = new Map<string, number>();
  rows.forEach((r, i) => {
    if (r.symbol === 'WETH') {
      const d = field(r, 'targetDate', file, i + 2);
      if (wethPrice.has(d)) fail(`${file}:${i + 2}: second WETH row for ${d}`);
      wethPrice.set(d, num(field(r, 'price', file, i + 2), `${file}:${i + 2} price`));
    }
  });
  const ids: Record<string, string> = { WETH: 'aave-v3-WETH', wstETH: 'aave-v3-wstETH', weETH: 'aave-v3-weETH' };
  const out: Obs[] = [];
  rows.forEach((r, i) => {
    const line = i + 2;
    const what = `${file}:${line}`;
    const symbol = field(r, 'symbol', file, line);
    const asset = ids[symbol];
    if (asset === undefined) fail(`${what}: unexpected symbol "${symbol}"`);
    const date = field(r, 'targetDate', file, line);
    const time = unixSeconds(field(r, 'timestamp', file, line), what);
    if (isoTime(date, what) !== time) fail(`${what}: timestamp ${r.timestamp} is not targetDate ${date}`);
    let fairRate: number;
    if (symbol === 'WETH') fairRate = 1;
    else {
      const weth = wethPrice.get(date);
      if (weth === undefined) {
        note(n, 'aave.noWethPriceSkipped', `${symbol} ${date}`);
        return;
      }
      fairRate = num(field(r, 'price', file, line), `${what} price`) / weth;
    }
    const block = field(r, 'blockNumber', file, line);
    if (!/^\d+$/.test(block)) fail(`${what}: blockNumber "${block}"`);
    const aToken = num(field(r, 'totalAToken', file, line), `${what} totalAToken`);
    const stable = num(field(r, 'totalStableDebt', file, line), `${what} totalStableDebt`);
    const variable = num(field(r, 'totalVariableDebt', file, line), `${what} totalVariableDebt`);
    out.push({
      time,
      asset,
      source: 'aavescan-daily',
      ref: `block:${block}`,
      fairRate,
      apyLending: aaveAprToApy(num(field(r, 'currentLiquidityRate', file, line), `${what} currentLiquidityRate`)),
      supplyIndex: num(field(r, 'liquidityIndex', file, line), `${what} liquidityIndex`),
      tvlBase: aToken * fairRate,
      exitLiquidityBase: (aToken - variable - stable) * fairRate,
    });
  });
  return out;
}

const SOL_RATE_ASSETS: Record<string, string> = {
  JitoSOL: 'JitoSOL',
  mSOL: 'mSOL',
  bSOL: 'bSOL',
  jupSOL: 'jupSOL',
  'solayerLST(sSOL-underlying)': 'sSOL',
};

function convertSolRates(dir: string, n: Notes): Obs[] {
  const file = F.solRates;
  const rows = readCsv(dir, file, ['epoch', 'asset', 'upstream_file', 'stake_pool_or_state', 'sol_per_token', 'first_seen_commit_utc']);
  n.inputRows[file] = rows.length;
  const kept: { o: Obs; epoch: number; line: number }[] = [];
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const line = i + 2;
    const what = `${file}:${line}`;
    const upstream = field(r, 'asset', file, line);
    const asset = SOL_RATE_ASSETS[upstream];
    if (asset === undefined) {
      note(n, 'solRates.otherAssetRows');
      return;
    }
    seen.add(upstream);
    const epochText = field(r, 'epoch', file, line);
    if (!/^\d+$/.test(epochText)) fail(`${what}: epoch "${epochText}"`);
    const first = field(r, 'first_seen_commit_utc', file, line);
    if (first === '') {
      note(n, 'solRates.blankFirstSeenSkipped', `${asset} epoch ${epochText}`);
      return;
    }
    kept.push({
      o: {
        time: isoTime(first, `${what} first_seen_commit_utc`),
        asset,
        source: 'sol-stake-pool-rates',
        ref: `epoch:${epochText}`,
        fairRate: num(field(r, 'sol_per_token', file, line), `${what} sol_per_token`),
      },
      epoch: Number(epochText),
      line,
    });
  });
  for (const a of Object.keys(SOL_RATE_ASSETS)) if (!seen.has(a)) fail(`${file}: no rows for upstream asset "${a}"`);
  // Back-filled epochs can share one first-seen commit time. At that instant the newest epoch's rate is
  // the one in force, so keep the highest epoch per (time, asset) and drop the older back-filled ones.
  const best = new Map<string, { o: Obs; epoch: number; line: number }>();
  for (const k of kept) {
    const key = `${k.o.time}|${k.o.asset}`;
    const prev = best.get(key);
    if (prev === undefined) best.set(key, k);
    else {
      if (prev.epoch === k.epoch) fail(`${file}: lines ${prev.line} and ${k.line} repeat ${k.o.asset} epoch ${k.epoch}`);
      const [older, newer] = prev.epoch < k.epoch ? [prev, k] : [k, prev];
      best.set(key, newer);
      note(n, 'solRates.sameTimeOlderEpochDropped', `${older.o.asset} epoch ${older.epoch} (same first-seen time ${formatHistoryTime(older.o.time)} as epoch ${newer.epoch})`);
    }
  }
  return [...best.values()].map((k) => k.o);
}

const STAKE_GROUPS: Record<string, string> = {
  JITO_POOL: 'JitoSOL',
  MARINADE: 'mSOL',
  BLAZESTAKE: 'bSOL',
  JUPITER_POOL: 'jupSOL',
  SOLAYER_POOL: 'sSOL',
};

function convertSolStake(dir: string, n: Notes): Obs[] {
  const file = F.solStake;
  const rows = readCsv(dir, file, ['epoch', 'snapshot_utc', 'stake_group', 'active_sol']);
  n.inputRows[file] = rows.length;
  const out: Obs[] = [];
  rows.forEach((r, i) => {
    const line = i + 2;
    const what = `${file}:${line}`;
    const asset = STAKE_GROUPS[field(r, 'stake_group', file, line)];
    if (asset === undefined) {
      note(n, 'solStake.otherGroupRows');
      return;
    }
    const epochText = field(r, 'epoch', file, line);
    if (!/^\d+$/.test(epochText)) fail(`${what}: epoch "${epochText}"`);
    out.push({
      time: isoTime(field(r, 'snapshot_utc', file, line), `${what} snapshot_utc`),
      asset,
      source: 'stake-pool-delegated-stake',
      ref: `epoch:${epochText}`,
      tvlBase: num(field(r, 'active_sol', file, line), `${what} active_sol`),
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------------
// output

function compareObs(a: Observation, b: Observation): number {
  if (a.time !== b.time) return a.time - b.time;
  if (a.asset !== b.asset) return a.asset < b.asset ? -1 : 1;
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  return 0;
}

function render(chain: 'ethereum' | 'solana', obs: Obs[]): string {
  obs.sort(compareObs);
  for (let i = 1; i < obs.length; i++) {
    const a = obs[i - 1] as Obs;
    const b = obs[i] as Obs;
    if (compareObs(a, b) === 0) fail(`${chain}: duplicate (time, asset, source) = (${formatHistoryTime(b.time)}, ${b.asset}, ${b.source})`);
  }
  const base = chain === 'ethereum' ? 'ETH' : 'SOL';
  const lines = [
    `# restake-keeper recorded history, format version ${HISTORY_FORMAT_VERSION} (history/FORMAT.md). Chain: ${chain}. Provenance, transformations and caveats: history/PROVENANCE.md.`,
    `# Generated by scripts/convert-recorded.ts; do not edit by hand.`,
    `# Units: time = UTC; fair_rate, market_rate = ${base} per 1 whole token; apy_* = annual fractions (0.035 = 3.5 %); supply_index = dimensionless cumulative index; tvl_base, exit_liquidity_base = whole ${base}; redemption_delay_s = seconds. Empty = not recorded.`,
    HISTORY_HEADER,
    ...obs.map(formatHistoryRow),
  ];
  const text = `${lines.join('\n')}\n`;
  const back = parseHistory(text, `${chain}.csv (generated)`); // throws DataError on anything the reader rejects
  if (back.length !== obs.length) fail(`${chain}: wrote ${obs.length} rows, read back ${back.length}`);
  return text;
}

interface Summary {
  readonly asset: string;
  readonly source: string;
  readonly rows: number;
  readonly first: string;
  readonly last: string;
  readonly fields: string;
}

const COLUMN_OF: Record<string, string> = {
  ref: 'ref',
  fairRate: 'fair_rate',
  marketRate: 'market_rate',
  apyBase: 'apy_base',
  apyMev: 'apy_mev',
  apyRestaking: 'apy_restaking',
  apyIncentives: 'apy_incentives',
  apyLending: 'apy_lending',
  supplyIndex: 'supply_index',
  tvlBase: 'tvl_base',
  exitLiquidityBase: 'exit_liquidity_base',
  redemptionDelaySeconds: 'redemption_delay_s',
};

function fmtRange(lo: number, hi: number): string {
  const f = (v: number): string => (Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(4) : v.toPrecision(4));
  return `${f(lo)} … ${f(hi)}`;
}

function summarize(obs: readonly Observation[]): Summary[] {
  const by = new Map<string, Observation[]>();
  for (const o of obs) {
    const k = `${o.asset}\u0000${o.source}`;
    let list = by.get(k);
    if (!list) by.set(k, (list = []));
    list.push(o);
  }
  const out: Summary[] = [];
  for (const list of by.values()) {
    const first = list[0] as Observation;
    const last = list[list.length - 1] as Observation;
    const parts: string[] = [];
    for (const [f, col] of Object.entries(COLUMN_OF)) {
      if (f === 'ref') continue;
      const vals = list.map((o) => o[f as keyof Observation]).filter((v): v is number => typeof v === 'number');
      if (vals.length === 0) continue;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of vals) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      parts.push(`${col} ${vals.length === list.length ? '' : `(${vals.length} rows) `}${fmtRange(lo, hi)}`);
    }
    out.push({ asset: first.asset, source: first.source, rows: list.length, first: formatHistoryTime(first.time), last: formatHistoryTime(last.time), fields: parts.join('; ') });
  }
  return out.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : a.asset < b.asset ? -1 : 1));
}

function table(sums: readonly Summary[], source: string): string {
  const rows = sums.filter((s) => s.source === source);
  if (rows.length === 0) fail(`no rows for source ${source}`);
  return [
    '| asset | rows | first (UTC) | last (UTC) | values (min … max) |',
    '|---|---:|---|---|---|',
    ...rows.map((s) => `| \`${s.asset}\` | ${s.rows} | ${s.first} | ${s.last} | ${s.fields} |`),
  ].join('\n');
}

/** "every day from A to B (N days), and C, D" for a sorted list of YYYY-MM-DD dates. */
function describeDates(dates: readonly string[]): string {
  const runs: string[][] = [];
  for (const d of dates) {
    const run = runs[runs.length - 1];
    const prev = run?.[run.length - 1];
    if (run && prev && Date.parse(`${d}T00:00:00Z`) - Date.parse(`${prev}T00:00:00Z`) === 86_400_000) run.push(d);
    else runs.push([d]);
  }
  return runs.map((r) => (r.length === 1 ? (r[0] as string) : `${r[0]} → ${r[r.length - 1]} (${r.length} days)`)).join(', ') || 'none';
}

function count(n: Notes, key: string): number {
  return n.counts[key] ?? 0;
}

function list(n: Notes, key: string): string {
  const f = n.facts[key];
  return f && f.length > 0 ? f.join(', ') : 'none';
}

function provenance(eth: readonly Observation[], sol: readonly Observation[], n: Notes): string {
  const e = summarize(eth);
  const s = summarize(sol);
  const basis = '`IggyIkenna/basis-strategy-v1` at commit `fc149ffb19b57e8a2b9bb7c6632dd56fea2ff243`';
  return `# Provenance of the bundled recorded history

Generated by \`scripts/convert-recorded.ts\` from the shared recorded-data copy (the directory described by its
\`SOURCES.md\`; every value there was copied from a public GitHub repository, nothing is synthetic). Re-run with

    npx tsc -p tsconfig.json && node dist/scripts/convert-recorded.js <shared recorded dir> history

The format is specified in [FORMAT.md](FORMAT.md) (version ${HISTORY_FORMAT_VERSION}). Every output row was re-read with the
project's own reader (\`parseHistory\`), which applies the shared range checks (\`checkObservation\`), before the
files were written.

| output | rows | sources |
|---|---:|---|
| \`ethereum.csv\` | ${eth.length} | \`lido-peg-hourly\`, \`etherfi-peg-hourly\`, \`etherfi-apy-daily\`, \`aavescan-daily\` |
| \`solana.csv\` | ${sol.length} | \`sol-stake-pool-rates\`, \`stake-pool-delegated-stake\` |

Times are UTC; numbers are written as JavaScript prints the double (\`String(x)\`), which round-trips exactly. Where a
value is copied from upstream it is the same double as upstream's decimal text.

## What is *not* in this history

- **No market price on Solana.** The Solana rates are stake-pool *redemption* rates. No LST/SOL market price series
  was recorded, so a depeg (market below fair) cannot be measured on Solana from this history; \`market_rate\` is
  empty for every Solana row.
- **No ezETH, rsETH, Jito VRTs, fragSOL or Kamino data exists** in the recorded material (searched for and not
  found upstream), and therefore none here. The ezETH April 2024 depeg is only known from narrative sources.
- **No restaking yield.** Nothing here records restaking (AVS) rewards: \`apy_restaking\` and \`apy_mev\` are empty
  everywhere, as is \`redemption_delay_s\` (no queue delays were recorded).
- Ethereum staking APYs for wstETH are not recorded directly; derive them from the growth of \`fair_rate\`.

---

## ethereum.csv

### \`lido-peg-hourly\` — wstETH fair vs market, hourly

- **Upstream:** ${basis}, \`data/protocol_data/staking/peg_analysis/wstETH_peg_analysis_2024-01-01_2025-09-18.csv\`
  (shared copy \`${F.wstethPeg}\`, which keeps 6 of the 24 upstream columns; the dropped ones are modelled
  execution-cost columns, not observations). ${n.inputRows[F.wstethPeg]} input rows.
- **Mapping:** \`timestamp_utc\` (\`YYYY-MM-DD HH:MM:SS+00:00\`) → \`time\`; \`protocol_rate_eth\` → \`fair_rate\`;
  \`market_rate_eth_24h_median\` → \`market_rate\`; asset id \`wstETH\`. \`premium_pct\` was dropped (it is
  (market/fair − 1)·100, derivable); \`market_source\` (always \`uniswap\`, the v3 wstETH/WETH 0.01 % pool) is
  recorded here rather than per row. No rows dropped.
- **Caveats:**
  - The upstream author *interpolated* the hourly fair rate from coarser (daily) Aave oracle data: it climbs
    smoothly hour by hour. Treat it as daily-resolution truth; the hourly steps carry no information.
  - The fair rate is the Aave oracle's wstETH/ETH (asset USD price ÷ ETH USD price), i.e. ≈ stETH per wstETH, not
    a value read from the Lido contract.
  - \`market_rate\` is a **24-hour rolling median** of the DEX price, so intraday spikes are smoothed away and a depeg
    shows up late and shallow. Good for peg-monitor logic and tests, not for execution prices.
  - How upstream fetched the DEX series could not be verified independently (upstream's raw DEX files are placeholders).

${table(e, 'lido-peg-hourly')}

### \`etherfi-peg-hourly\` — weETH fair vs market, hourly

- **Upstream:** ${basis}, \`data/protocol_data/staking/peg_analysis/weETH_peg_analysis_2024-01-01_2025-09-18.csv\`
  (shared copy \`${F.weethPeg}\`). ${n.inputRows[F.weethPeg]} input rows.
- **Mapping:** as for \`lido-peg-hourly\`; asset id \`weETH\`; the market is the Curve weETH/WETH pool. No rows dropped.
- **Caveats:** the same as \`lido-peg-hourly\` (interpolated hourly fair rate; 24 h rolling-median market). The
  deepest recorded discount, about −0.52 %, is on 2024-08-06, after the 5 August 2024 market crash.

${table(e, 'etherfi-peg-hourly')}

### \`etherfi-apy-daily\` — eETH/weETH APY, daily

- **Upstream:** ${basis}, \`data/manual_sources/etherfi_distributions/bar-chart-supply-apy-2025-09-29-eeth.csv\`
  (shared copy \`${F.etherfiApy}\`, unchanged upstream content). ${n.inputRows[F.etherfiApy]} input rows. It is a
  manual export of a supply-APY bar chart; the website it came from is not stated upstream.
- **Mapping:** unix \`Timestamp\` → \`time\` (checked to be midnight UTC of the \`Date\` column); asset id \`weETH\`
  (weETH is the non-rebasing wrapper of eETH and earns the same yield); \`Base\` (percent) ÷ 100 → \`apy_base\`;
  \`Reward\` (percent) ÷ 100 → \`apy_incentives\`. The division is done by moving the decimal point in the
  upstream string, so 1.80 % becomes exactly 0.018.
- **Blanked / dropped:**
  - \`Base\` is 0.00 on ${count(n, 'etherfi.baseZeroBlanked')} days (${list(n, 'etherfi.baseZeroBlanked')}). These are
    upstream glitches, not a real zero yield, so \`apy_base\` is left **empty** on those rows.
  - \`Reward\` is blank upstream on ${count(n, 'etherfi.rewardBlank')} days: ${describeDates(n.facts['etherfi.rewardBlank'] ?? [])}.
    \`apy_incentives\` is empty there.
  - ${count(n, 'etherfi.rowDroppedNoValue')} row(s) had neither a usable Base nor a Reward and were dropped, since
    a row with no value says nothing: ${list(n, 'etherfi.rowDroppedNoValue')}.
- **Caveats:** the Reward component is paid in tokens and its value is an estimate by the chart's publisher; restaking
  (EigenLayer) rewards are not separated out. Other low \`Base\` readings below 1 % (${list(n, 'etherfi.baseLow')}) are kept as
  recorded; the one the day after a 0.00 glitch may be a glitch too.

${table(e, 'etherfi-apy-daily')}

### \`aavescan-daily\` — Aave v3 Ethereum core market: WETH, wstETH, weETH reserves, daily

- **Upstream:** ${basis}, three AaveScan CSV exports (one on-chain reserve snapshot per day) concatenated in the
  shared copy \`${F.aave}\`:
  \`data/protocol_data/aave/rates/aave_v3_aave-v3-ethereum_WETH_rates_2024-01-01_2025-09-18.csv\`,
  \`…_wstETH_rates_2024-05-12_2025-09-18.csv\`, \`…_weETH_rates_2024-05-12_2025-09-18.csv\`
  (the names say 09-18, the data runs to 09-29). ${n.inputRows[F.aave]} input rows.
- **Mapping** (asset ids \`aave-v3-WETH\`, \`aave-v3-wstETH\`, \`aave-v3-weETH\`: a supply position in that reserve):
  - \`time\` = unix \`timestamp\` (checked to equal \`targetDate\`); \`ref\` = \`block:<blockNumber>\`.
  - \`fair_rate\` = \`price(symbol) / price(WETH)\` with both Aave oracle USD prices from the same \`targetDate\`
    (WETH → exactly 1): ETH per 1 underlying token. The aToken is 1:1 with its underlying, so this is also ETH per aToken.
  - \`apy_lending\` = (1 + r/31536000)^31536000 − 1 with r = \`currentLiquidityRate\` (an APR fraction), i.e. per-second
    compounding as Aave documents it, computed as \`expm1(31536000 · log1p(r/31536000))\`.
  - \`supply_index\` = \`liquidityIndex\` verbatim.
  - \`tvl_base\` = \`totalAToken\` × \`fair_rate\` (ETH).
  - \`exit_liquidity_base\` = (\`totalAToken\` − \`totalVariableDebt\` − \`totalStableDebt\`) × \`fair_rate\`: the
    reserve's unborrowed liquidity, i.e. what suppliers could withdraw at that moment, in ETH.
  - Dropped columns: \`reserve\` (address), borrow indices and rates, the USD \`price\` itself.
- **Skipped:** ${count(n, 'aave.noWethPriceSkipped')} wstETH/weETH day(s) without a WETH price on the same day (${list(n, 'aave.noWethPriceSkipped')}).
- **Caveats:** one snapshot per day, so the APY is a point reading, not a daily average (the 2024-07-05 WETH borrow
  spike, 92.5 % utilisation, shows as a one-day jump to an \`apy_lending\` of about 19.5 %). The wstETH/weETH fair
  rates are ratios of Aave oracle prices, not reads of the token contracts. The wstETH and weETH reserves are little
  borrowed, so their \`apy_lending\` is tiny (see the table): they are held mainly as collateral.

${table(e, 'aavescan-daily')}

---

## solana.csv

### \`sol-stake-pool-rates\` — LST redemption rate (SOL per token), one row per epoch

- **Upstream:** \`glitchful-dev/sol-stake-pool-apy\` at commit \`4ac1fcacf0e361f7ce981ad0a7cf70ecb606e4a0\`, folder \`db/\`
  (files \`jito.csv\`, \`marinade.csv\`, \`solblaze.csv\`, \`jupSOL.csv\`, \`solayer.csv\`); a scheduled job there reads each
  pool on chain and keeps one row per epoch (the last value seen in it). Shared copy \`${F.solRates}\` (trimmed to rows
  first seen before 2025-07-01). ${n.inputRows[F.solRates]} input rows, of which ${count(n, 'solRates.otherAssetRows')} belong to other LSTs and are not used.
- **How upstream computes the rate:** SPL stake pools (JitoSOL, bSOL, jupSOL, sSOL's pool): total lamports ÷ pool
  token supply, no withdrawal fee applied. Marinade (mSOL): the state's \`msol_price / 2^32\`.
- **Mapping:** upstream asset \`JitoSOL\`, \`mSOL\`, \`bSOL\`, \`jupSOL\` → same id; \`solayerLST(sSOL-underlying)\` → \`sSOL\`.
  \`sol_per_token\` → \`fair_rate\`; \`first_seen_commit_utc\` → \`time\`; \`ref\` = \`epoch:<epoch>\`.
- **Time:** \`first_seen_commit_utc\` is the time of the earliest upstream git commit that added that epoch's row
  (≈ epoch start + polling lag), derived from upstream's git history when the shared copy was made. Upstream's own
  row timestamp changed meaning in Sept 2024 and is not used.
- **Dropped:**
  - ${count(n, 'solRates.blankFirstSeenSkipped')} row(s) of these five assets with a blank \`first_seen_commit_utc\` (${list(n, 'solRates.blankFirstSeenSkipped')}).
  - ${count(n, 'solRates.sameTimeOlderEpochDropped')} row(s) whose first-seen time equals a later epoch's for the same asset (the first
    epochs of a series were back-filled in one commit): ${list(n, 'solRates.sameTimeOlderEpochDropped')}. The newest
    epoch's rate is the one in force at that commit time, so it is kept.
- **Caveats:**
  - These are **redemption (fair) rates, not market prices**: no depeg can be seen in them.
  - \`sSOL\` here is Solayer's SPL stake-pool token that sSOL is minted 1:1 against, so this is the SOL backing of
    sSOL **excluding any restaking (AVS) rewards**.
  - Within an epoch SPL pool rates drift slightly (≈2e-5 relative); the epoch-to-epoch step is ≈4e-4.
  - jupSOL is tracked from epoch 636 (rate ≈1.019), not from its launch.

${table(s, 'sol-stake-pool-rates')}

### \`stake-pool-delegated-stake\` — SOL delegated by each LST pool, one row per epoch

- **Upstream:** \`SOFZP/Solana-Stake-Pools-Research\`, \`stakepool-data/mainnet-beta/aggregated-history.json\` at commit
  \`d06e2093952a24d8fda252af68827b127f4ecbcf\` (flattened to one row per epoch × stake group, lamports → SOL, in the
  shared copy \`${F.solStake}\`). ${n.inputRows[F.solStake]} input rows, of which ${count(n, 'solStake.otherGroupRows')} are other stake groups and are not used.
- **Attribution (requested by upstream):** Data: CryptoVik Stake Pools Dashboard - https://cryptovik.info/solana-stakepools-dashboard/
- **Mapping:** \`active_sol\` → \`tvl_base\` for groups \`JITO_POOL\` → \`JitoSOL\`, \`MARINADE\` → \`mSOL\`,
  \`BLAZESTAKE\` → \`bSOL\`, \`JUPITER_POOL\` → \`jupSOL\`, \`SOLAYER_POOL\` → \`sSOL\`; \`snapshot_utc\` → \`time\`;
  \`ref\` = \`epoch:<epoch>\`. Activating/deactivating stake and validator counts are not carried over.
- **Caveats:**
  - This is stake **delegated** by the pool's authorities, taken from one snapshot late in each epoch; it is close
    to, but not the same as, LST supply × rate (undelegated pool reserve SOL is not counted).
  - \`MARINADE\` also includes Marinade Native staking, so mSOL's \`tvl_base\` overstates the mSOL pool.
  - The upstream registry grows: JUPITER_POOL and SOLAYER_POOL first appear at epoch 830. Before that their stake
    sat inside \`OTHER\`, so their **first value is a step, not an inflow**.
  - This series starts after the rate series ends (2025-07 vs 2025-06), so there is no epoch with both a rate and a TVL.

${table(s, 'stake-pool-delegated-stake')}
`;
}

export function convert(dir: string, outDir: string): { ethereum: number; solana: number } {
  const notes: Notes = { inputRows: {}, counts: {}, facts: {} };
  const eth: Obs[] = [
    ...convertPeg(dir, F.wstethPeg, 'wstETH', 'lido-peg-hourly', 'uniswap', notes),
    ...convertPeg(dir, F.weethPeg, 'weETH', 'etherfi-peg-hourly', 'curve', notes),
    ...convertEtherfiApy(dir, notes),
    ...convertAave(dir, notes),
  ];
  const sol: Obs[] = [...convertSolRates(dir, notes), ...convertSolStake(dir, notes)];
  const ethText = render('ethereum', eth);
  const solText = render('solana', sol);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'ethereum.csv'), ethText);
  writeFileSync(join(outDir, 'solana.csv'), solText);
  writeFileSync(join(outDir, 'PROVENANCE.md'), provenance(eth, sol, notes));
  return { ethereum: eth.length, solana: sol.length };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isMain) {
  const [dir, outDir] = process.argv.slice(2);
  if (!dir || !outDir) {
    console.error('usage: node dist/scripts/convert-recorded.js <sharedRecordedDir> <outDir>');
    process.exit(2);
  }
  try {
    const r = convert(dir, outDir);
    console.log(`wrote ${outDir}/ethereum.csv (${r.ethereum} rows), ${outDir}/solana.csv (${r.solana} rows), ${outDir}/PROVENANCE.md`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
