import { createPublicClient, http, type PublicClient, type Transport } from 'viem';
import type { AssetId } from '../../domain/asset.js';
import { checkObservation } from '../../domain/observation-check.js';
import type { Observation, ObservationField } from '../../domain/observation.js';
import type { EpochMs } from '../../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from '../yield-source.js';
import { liquidityCalls, parseReserve, reserveCalls, reserveLiquidity, reserveRates, type AaveReserve } from './aave-v3.js';
import { BatchFailedError, describeCall, jsonRpcExecutor, multicallExecutor, shortError, type CallExecutor, type CallOutcome, type ContractCall } from './call-executor.js';
import type { AaveReaderConfig, EvmSourcesConfig, EvmSourcesDeps, MarketConfig } from './evm-sources-config.js';
import { marketFromQuotes, marketVenueFor, planQuotes, type QuoteDiagnostic, type QuotePlan } from './market-reader.js';
import { rateReaderFor } from './rate-reader.js';
import type { MarketVenue, RateReader } from './reader-types.js';
import { StoredRateTracker, type StoredRateState } from './stored-rate.js';
import { fixed } from './units.js';

/**
 * On-chain readings for an EVM vault. One read = one block: the block is fetched first and every call
 * of the read is pinned to it, so all observations carry the same `ref: 'block:<n>'` and time (the
 * block's timestamp, never later than `now`). Calls go out in at most two batched rounds — rates and
 * Aave reserves, then DEX quotes (sized from the fair rates) and Aave liquidity (at the aToken from
 * round 1) — each one multicall (aggregate3, allowFailure) or one JSON-RPC batch of eth_calls.
 *
 * Never throws. A reverting call fails its asset only; an unreachable RPC, a wrong chain or a failed
 * multicall fails every configured asset with one failure naming the RPC URL; a reading that fails
 * checkObservation is a failure, not an observation.
 */

/** Values that are not Observation fields, per asset, for logs and the next layer. */
export interface EvmAssetDiagnostics {
  /** The fair-rate contract's raw return (wad), as a decimal string. */
  rateWad?: string;
  quotes?: readonly QuoteDiagnostic[];
  /** Aave: debt / (available + debt). */
  utilization?: number;
  aprLending?: number;
  aprBorrow?: number;
  apyBorrow?: number;
  liquidityIndex?: number;
  lastUpdateTimestamp?: number;
  /** Aave, in whole underlying tokens. */
  availableLiquidity?: number;
  totalSupplied?: number;
  totalDebt?: number;
  /** Kelp: the stored rate's value has held since (epoch ms / block). */
  storedSince?: EpochMs;
  storedSinceBlock?: number;
}

export interface EvmReadDiagnostics {
  readonly blockNumber: number;
  readonly blockTimestamp: number;
  readonly chainId: number;
  readonly via: CallExecutor['via'];
  /** Contract calls made, and how many batched round trips carried them (after the block/chain-id batch). */
  readonly calls: number;
  readonly rounds: number;
  readonly elapsedMs: number;
  readonly assets: Readonly<Record<AssetId, EvmAssetDiagnostics>>;
}

export interface EvmSourceRead extends SourceRead {
  readonly diagnostics?: EvmReadDiagnostics | undefined;
}

type Fields = { -readonly [K in ObservationField]?: number | undefined };

interface AssetAcc {
  readonly fields: Fields;
  readonly diag: EvmAssetDiagnostics;
  readonly failures: string[];
  rateCall?: ContractCall;
}

interface RateJob {
  readonly asset: AssetId;
  readonly reader: RateReader;
  readonly market: MarketConfig | undefined;
  readonly idx: number;
  wad?: bigint;
  venue?: MarketVenue;
  plans?: QuotePlan[];
  quoteIdx?: number[];
  quoteCalls?: ContractCall[];
}

interface AaveJob {
  readonly asset: AssetId;
  readonly cfg: AaveReaderConfig;
  readonly calls: readonly [ContractCall, ContractCall];
  readonly idx: readonly [number, number];
  reserve?: AaveReserve;
  liqCalls?: ContractCall[];
  liqIdx?: number[];
}

export class EvmSource implements YieldSource {
  readonly name: string;
  /** Every configured asset: what a failure of the whole source covers. */
  readonly assets: readonly AssetId[];
  /** Diagnostics of the latest read that reached the chain. */
  lastDiagnostics: EvmReadDiagnostics | undefined;

  private readonly client: PublicClient<Transport, undefined>;
  private readonly executor: CallExecutor;
  private readonly url: string;
  private readonly tracker = new StoredRateTracker();

  constructor(
    private readonly config: EvmSourcesConfig,
    deps: EvmSourcesDeps = {},
  ) {
    this.name = `evm:${config.chainId}`;
    this.assets = Object.keys(config.assets);
    this.url = redactUrl(config.rpcUrl);
    const transport = deps.transport ?? http(config.rpcUrl, { batch: true, timeout: config.timeoutMs, retryCount: 1 });
    this.client = createPublicClient({ transport });
    this.executor = config.multicall ? multicallExecutor(this.client, config.multicall) : jsonRpcExecutor(this.client);
  }

  /** When the stored rate of `asset` (Kelp rsETHPrice) was first seen at its current value; undefined before a good reading. */
  lastMoved(asset: AssetId): EpochMs | undefined {
    return this.tracker.get(asset)?.since;
  }

  /** The full stored-rate record (value, since, last seen, blocks). */
  storedRate(asset: AssetId): StoredRateState | undefined {
    return this.tracker.get(asset);
  }

  async read(now: EpochMs): Promise<EvmSourceRead> {
    try {
      return await this.readAtBlock(now);
    } catch (e) {
      return this.failAll(`unexpected error reading through RPC ${this.url}: ${shortError(e)}`);
    }
  }

  private async readAtBlock(now: EpochMs): Promise<EvmSourceRead> {
    const started = performance.now();
    let chainId: number;
    let blockNumber: bigint | null;
    let blockTimestamp: bigint;
    try {
      const [id, block] = await Promise.all([this.client.getChainId(), this.client.getBlock({ blockTag: 'latest' })]);
      chainId = id;
      blockNumber = block.number;
      blockTimestamp = block.timestamp;
    } catch (e) {
      return this.failAll(`RPC ${this.url} unavailable: ${shortError(e)}`);
    }
    if (chainId !== this.config.chainId) return this.failAll(`RPC ${this.url} is on chain ${chainId}, expected chain ${this.config.chainId}`);
    if (blockNumber === null) return this.failAll(`RPC ${this.url} returned a latest block without a number`);
    const block = blockNumber;
    const time = Math.min(now, Number(blockTimestamp) * 1000);
    const ref = `block:${block}`;

    const acc = new Map<AssetId, AssetAcc>(this.assets.map((a) => [a, { fields: {}, diag: {}, failures: [] }]));
    const st = (a: AssetId) => acc.get(a) as AssetAcc;
    const fail = (a: AssetId, call: ContractCall, error: string) => st(a).failures.push(`${describeCall(call)} ${error}`);
    let calls = 0;
    let rounds = 0;
    const run = async (list: ContractCall[]): Promise<CallOutcome[]> => {
      if (list.length === 0) return [];
      calls += list.length;
      rounds += 1;
      return this.executor.run(list, block);
    };

    // ── round 1: fair rates, Aave reserve data ──
    const round1: ContractCall[] = [];
    const rateJobs: RateJob[] = [];
    const aaveJobs: AaveJob[] = [];
    for (const [asset, cfg] of Object.entries(this.config.assets)) {
      if (cfg.kind === 'aave-v3') {
        const pair = reserveCalls(cfg);
        aaveJobs.push({ asset, cfg, calls: pair, idx: [round1.push(pair[0]) - 1, round1.push(pair[1]) - 1] });
      } else {
        const reader = rateReaderFor(cfg);
        rateJobs.push({ asset, reader, market: cfg.market, idx: round1.push(reader.call) - 1 });
        st(asset).rateCall = reader.call;
      }
    }
    let out1: CallOutcome[];
    try {
      out1 = await run(round1);
    } catch (e) {
      return this.failAll(this.batchMessage(e));
    }

    const rates = new Map<AssetId, bigint>();
    for (const job of rateJobs) {
      const o = out1[job.idx] as CallOutcome;
      if (!o.ok) {
        fail(job.asset, job.reader.call, o.error);
        continue;
      }
      try {
        job.wad = job.reader.toWad(o.value);
      } catch (e) {
        fail(job.asset, job.reader.call, (e as Error).message);
        continue;
      }
      st(job.asset).fields.fairRate = fixed(job.wad, 18);
      st(job.asset).diag.rateWad = job.wad.toString();
      if (job.wad > 0n) rates.set(job.asset, job.wad);
    }
    for (const job of aaveJobs) {
      const [rIdx, dIdx] = job.idx;
      const ro = out1[rIdx] as CallOutcome;
      const dout = out1[dIdx] as CallOutcome;
      if (!ro.ok) {
        fail(job.asset, job.calls[0], ro.error);
        continue;
      }
      if (!dout.ok) {
        fail(job.asset, job.calls[1], dout.error);
        continue;
      }
      try {
        job.reserve = parseReserve(ro.value, dout.value);
      } catch (e) {
        fail(job.asset, job.calls[0], (e as Error).message);
        continue;
      }
      const r = reserveRates(job.reserve, blockTimestamp);
      Object.assign(st(job.asset).fields, { apyLending: r.apyLending, supplyIndex: r.supplyIndex });
      Object.assign(st(job.asset).diag, { aprLending: r.aprLending, aprBorrow: r.aprBorrow, apyBorrow: r.apyBorrow, liquidityIndex: r.liquidityIndex, lastUpdateTimestamp: r.lastUpdateTimestamp });
    }

    // ── round 2: DEX quotes at each size (sized from the fair rate), Aave liquidity ──
    const round2: ContractCall[] = [];
    for (const job of rateJobs) {
      if (!job.market || job.wad === undefined || job.wad === 0n) continue;
      const venue = marketVenueFor(job.market);
      try {
        job.plans = planQuotes(job.market.sizesEth, job.wad, venue);
      } catch (e) {
        st(job.asset).failures.push(`market ${job.market.kind}: ${(e as Error).message}`);
        continue;
      }
      job.venue = venue;
      job.quoteCalls = job.plans.map((p) => venue.quote(p.amountIn));
      job.quoteIdx = job.quoteCalls.map((c) => round2.push(c) - 1);
    }
    for (const job of aaveJobs) {
      if (!job.reserve) continue;
      job.liqCalls = liquidityCalls(job.cfg, job.reserve);
      job.liqIdx = job.liqCalls.map((c) => round2.push(c) - 1);
    }
    let out2: CallOutcome[];
    try {
      out2 = await run(round2);
    } catch (e) {
      return this.failAll(this.batchMessage(e));
    }

    for (const job of rateJobs) {
      if (!job.venue || !job.plans || !job.quoteIdx || !job.quoteCalls || job.wad === undefined) continue;
      const outs: bigint[] = [];
      let failed = false;
      for (const [k, idx] of job.quoteIdx.entries()) {
        const o = out2[idx] as CallOutcome;
        const call = job.quoteCalls[k] as ContractCall;
        try {
          if (!o.ok) throw new Error(o.error);
          outs.push(job.venue.amountOut(o.value));
        } catch (e) {
          fail(job.asset, call, (e as Error).message);
          failed = true;
          break;
        }
      }
      if (failed) continue;
      const m = marketFromQuotes(job.plans, outs, job.wad, job.venue);
      Object.assign(st(job.asset).fields, { marketRate: m.marketRate, exitImpact: m.exitImpact, exitSizeBase: m.exitSizeBase });
      st(job.asset).diag.quotes = m.quotes;
    }
    for (const job of aaveJobs) {
      if (!job.reserve || !job.liqCalls || !job.liqIdx) continue;
      const values: unknown[] = [];
      let failedCall: { call: ContractCall; error: string } | undefined;
      for (const [k, idx] of job.liqIdx.entries()) {
        const o = out2[idx] as CallOutcome;
        if (!o.ok) {
          failedCall = { call: job.liqCalls[k] as ContractCall, error: o.error };
          break;
        }
        values.push(o.value);
      }
      if (failedCall) {
        fail(job.asset, failedCall.call, failedCall.error);
        continue;
      }
      const priceAs = job.cfg.priceAs;
      const priceWad = priceAs === undefined ? 10n ** 18n : rates.get(priceAs);
      let liq: ReturnType<typeof reserveLiquidity>;
      try {
        liq = reserveLiquidity(job.reserve, values, priceWad);
      } catch (e) {
        fail(job.asset, job.liqCalls[0] as ContractCall, (e as Error).message);
        continue;
      }
      const s = st(job.asset);
      if (priceWad === undefined) {
        s.failures.push(`no ${priceAs} fair rate in this read to value the position (see ${priceAs}'s failure)`);
      } else {
        Object.assign(s.fields, { fairRate: fixed(priceWad, 18), exitLiquidityBase: liq.exitLiquidityBase, tvlBase: liq.tvlBase });
      }
      Object.assign(s.diag, { utilization: liq.utilization, availableLiquidity: liq.availableLiquidity, totalSupplied: liq.totalSupplied, totalDebt: liq.totalDebt });
    }

    // ── assemble, check, track stored rates ──
    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    const storedAssets = new Map(rateJobs.filter((j) => j.reader.stored).map((j) => [j.asset, j]));
    for (const asset of this.assets) {
      const s = st(asset);
      for (const f of s.failures) failures.push({ source: this.name, assets: [asset], message: `${asset}: ${f}` });
      const values = Object.fromEntries(Object.entries(s.fields).filter(([, v]) => v !== undefined));
      if (Object.keys(values).length === 0) continue;
      const obs: Observation = { time, asset, source: this.name, ref, ...values };
      const problems = checkObservation(obs);
      if (problems.length > 0) {
        const from = problems.some((p) => p.field === 'fairRate') && s.rateCall ? ` [fairRate from ${describeCall(s.rateCall)}]` : '';
        failures.push({
          source: this.name,
          assets: [asset],
          message: `${asset}: values read at ${ref} fail checks: ${problems.map((p) => `${p.field} = ${String(p.value)} (expected ${p.expected})`).join('; ')}${from}`,
        });
        continue;
      }
      observations.push(obs);
      const stored = storedAssets.get(asset);
      if (stored?.wad !== undefined) {
        const state = this.tracker.observe(asset, stored.wad, fixed(stored.wad, 18), time, Number(block));
        s.diag.storedSince = state.since;
        s.diag.storedSinceBlock = state.sinceBlock;
      }
    }

    const diagnostics: EvmReadDiagnostics = {
      blockNumber: Number(block),
      blockTimestamp: Number(blockTimestamp),
      chainId,
      via: this.executor.via,
      calls,
      rounds,
      elapsedMs: performance.now() - started,
      assets: Object.fromEntries([...acc].map(([a, s]) => [a, s.diag])),
    };
    this.lastDiagnostics = diagnostics;
    return { observations, failures, diagnostics };
  }

  private batchMessage(e: unknown): string {
    return `RPC ${this.url}${this.config.multicall ? ` (multicall ${this.config.multicall})` : ''}: ${e instanceof BatchFailedError ? e.message : shortError(e)}`;
  }

  private failAll(message: string): EvmSourceRead {
    return { observations: [], failures: [{ source: this.name, assets: [...this.assets], message }] };
  }
}

/** The RPC URL for messages, without credentials: user info, query strings and key-like path segments are masked. */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return '(invalid url)';
  }
  const path = u.pathname
    .split('/')
    .map((seg) => (/^[A-Za-z0-9_-]{16,}$/.test(seg) ? '***' : seg))
    .join('/');
  const auth = u.username || u.password ? '***@' : '';
  return `${u.protocol}//${auth}${u.host}${path === '/' ? '' : path}${u.search ? '?***' : ''}`;
}
