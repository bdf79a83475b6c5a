import { PublicKey } from '@solana/web3.js';
import { checkObservation } from '../../domain/observation-check.js';
import type { Observation } from '../../domain/observation.js';
import type { EpochMs } from '../../domain/time.js';
import type { SourceFailure, SourceRead, YieldSource } from '../yield-source.js';
import type { AccountData, AccountReader, AccountSnapshot } from './account-reader.js';
import { LayoutError, toWhole } from './bytes.js';
import { JITO_VAULT_PROGRAM_ID, parseJitoVault, vrtTokensPerVrt } from './jito-vault.js';
import { KLEND_PROGRAM_ID, kaminoSupplyYield, parseKaminoReserve } from './kamino-reserve.js';
import { MARINADE_PROGRAM_ID, marinadeRates, parseMarinadeState } from './marinade-state.js';
import type { SolanaAssetSource, SolanaSourcesConfig } from './solana-sources-config.js';
import { parseStakePool, stakePoolRate } from './spl-stake-pool.js';

export const WRAPPED_SOL_MINT = new PublicKey('So11111111111111111111111111111111111111112');
const LAMPORT_DECIMALS = 9;

/** A per-asset failure: the message names the asset, the kind and the account. */
class AssetError extends Error {}

/** What one asset resolved to: the fields it contributes, its SOL rate (for dependents) and the mint it prices. */
interface Resolved {
  readonly fields: Partial<Observation>;
  readonly solRate?: number;
  readonly mint?: PublicKey;
}

function accountOf(a: SolanaAssetSource): PublicKey {
  switch (a.kind) {
    case 'spl-stake-pool':
      return new PublicKey(a.pool);
    case 'marinade':
      return new PublicKey(a.state);
    case 'jito-vault':
      return new PublicKey(a.vault);
    case 'kamino-reserve':
      return new PublicKey(a.reserve);
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error && !e.message.includes(cause.message) ? `${e.message} (${cause.message})` : e.message;
  }
  return String(e);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reads every configured Solana account in one getMultipleAccounts call and turns each into an
 * Observation at that slot. Never throws out of read(): an unreachable RPC is one failure covering all
 * assets; a missing, foreign or malformed account is a failure for its asset (and its dependents) only.
 */
export class SolanaAccountsSource implements YieldSource {
  readonly name = 'solana';

  constructor(
    private readonly cfg: SolanaSourcesConfig,
    private readonly reader: AccountReader,
  ) {}

  get endpoint(): string {
    return this.reader.endpoint ?? this.cfg.rpcUrl;
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const ids = Object.keys(this.cfg.assets);
    const keys = ids.map((id) => accountOf(this.cfg.assets[id] as SolanaAssetSource));
    let snap: AccountSnapshot;
    try {
      snap = await withTimeout(this.reader.getAccounts(keys), this.cfg.timeoutMs, `getMultipleAccounts on ${this.endpoint}`);
      if (!Array.isArray(snap.accounts) || snap.accounts.length !== keys.length || !Number.isSafeInteger(snap.slot)) {
        throw new Error(`answered ${Array.isArray(snap.accounts) ? snap.accounts.length : 'no'} accounts for ${keys.length} asked`);
      }
    } catch (e) {
      return {
        observations: [],
        failures: [{ source: this.name, assets: ids, message: `Solana RPC ${this.endpoint}: getMultipleAccounts failed: ${errorText(e)}` }],
      };
    }

    const accounts = new Map<string, AccountData | null>(ids.map((id, i) => [id, snap.accounts[i] ?? null]));
    const memo = new Map<string, Resolved | AssetError>();
    const resolve = (id: string): Resolved => {
      let r = memo.get(id);
      if (r === undefined) {
        try {
          r = this.resolveAsset(id, accounts.get(id) ?? null, resolve);
        } catch (e) {
          const a = this.cfg.assets[id] as SolanaAssetSource;
          r = e instanceof AssetError ? e : new AssetError(`${id}: ${a.kind} account ${accountOf(a).toBase58()}: ${errorText(e)}`);
        }
        memo.set(id, r);
      }
      if (r instanceof AssetError) throw r;
      return r;
    };

    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    for (const id of ids) {
      const kind = (this.cfg.assets[id] as SolanaAssetSource).kind;
      const source = `solana:${kind}`;
      try {
        const { fields } = resolve(id);
        const o: Observation = { time: now, asset: id, source, ref: `slot:${snap.slot}`, ...definedOnly(fields) };
        const problems = checkObservation(o);
        if (problems.length > 0) {
          throw new AssetError(
            `${id}: ${kind} account ${accountOf(this.cfg.assets[id] as SolanaAssetSource).toBase58()}: reading failed its checks: ${problems
              .map((p) => `${p.field}=${String(p.value)} (expected ${p.expected})`)
              .join('; ')}`,
          );
        }
        observations.push(o);
      } catch (e) {
        failures.push({ source, assets: [id], message: errorText(e) });
      }
    }
    return { observations, failures };
  }

  private resolveAsset(id: string, acct: AccountData | null, resolve: (id: string) => Resolved): Resolved {
    const a = this.cfg.assets[id] as SolanaAssetSource;
    const key = accountOf(a);
    const where = `${id}: ${a.kind} account ${key.toBase58()}`;
    const owned = (program: PublicKey, label: string): Uint8Array => {
      if (acct === null) throw new AssetError(`${where}: account not found at this slot`);
      if (!acct.owner.equals(program)) {
        throw new AssetError(`${where}: owned by ${acct.owner.toBase58()}, expected ${label} ${program.toBase58()}`);
      }
      return acct.data;
    };
    const layout = <T>(f: () => T): T => {
      try {
        return f();
      } catch (e) {
        if (e instanceof LayoutError) throw new AssetError(`${where}: bad layout: ${e.message}`);
        throw e;
      }
    };

    switch (a.kind) {
      case 'spl-stake-pool': {
        const data = owned(new PublicKey(a.program), 'stake-pool program');
        const pool = layout(() => parseStakePool(data));
        if (a.poolMint !== undefined && !pool.poolMint.equals(new PublicKey(a.poolMint))) {
          throw new AssetError(`${where}: pool_mint is ${pool.poolMint.toBase58()}, config says ${a.poolMint}`);
        }
        const rate = layout(() => stakePoolRate(pool));
        return { fields: { fairRate: rate, tvlBase: toWhole(pool.totalLamports, LAMPORT_DECIMALS) }, solRate: rate, mint: pool.poolMint };
      }
      case 'marinade': {
        const data = owned(MARINADE_PROGRAM_ID, 'Marinade program');
        const state = layout(() => parseMarinadeState(data));
        const rates = layout(() => marinadeRates(state, a.crossCheckTolerance));
        return {
          fields: { fairRate: rates.price, tvlBase: toWhole(rates.totalVirtualStakedLamports, LAMPORT_DECIMALS) },
          solRate: rates.price,
          mint: state.msolMint,
        };
      }
      case 'jito-vault': {
        const data = owned(JITO_VAULT_PROGRAM_ID, 'Jito vault program');
        const vault = layout(() => parseJitoVault(data));
        if (a.vrtMint !== undefined && !vault.vrtMint.equals(new PublicKey(a.vrtMint))) {
          throw new AssetError(`${where}: vrt_mint is ${vault.vrtMint.toBase58()}, config says ${a.vrtMint}`);
        }
        let supported: Resolved;
        try {
          supported = resolve(a.supportedAsset);
        } catch (e) {
          throw new AssetError(`${where}: supported asset ${a.supportedAsset} unavailable: ${errorText(e)}`);
        }
        if (supported.mint && !vault.supportedMint.equals(supported.mint)) {
          throw new AssetError(
            `${where}: supported_mint is ${vault.supportedMint.toBase58()}, but ${a.supportedAsset}'s mint is ${supported.mint.toBase58()}`,
          );
        }
        const tokensPerVrt = layout(() => vrtTokensPerVrt(vault, a.vrtDecimals, a.supportedDecimals));
        const supportedRate = supported.solRate as number;
        const rate = tokensPerVrt * supportedRate;
        return {
          fields: { fairRate: rate, tvlBase: toWhole(vault.tokensDeposited, a.supportedDecimals) * supportedRate },
          solRate: rate,
          mint: vault.vrtMint,
        };
      }
      case 'kamino-reserve': {
        const data = owned(KLEND_PROGRAM_ID, 'klend program');
        const reserve = layout(() => parseKaminoReserve(data));
        if (a.market !== undefined && !reserve.lendingMarket.equals(new PublicKey(a.market))) {
          throw new AssetError(`${where}: lending_market is ${reserve.lendingMarket.toBase58()}, config says ${a.market}`);
        }
        const y = kaminoSupplyYield(reserve, a.slotDurationMs);
        let price: number | undefined;
        if (a.priceAs !== undefined) {
          let p: Resolved;
          try {
            p = resolve(a.priceAs);
          } catch (e) {
            throw new AssetError(`${where}: priceAs asset ${a.priceAs} unavailable: ${errorText(e)}`);
          }
          if (p.mint && !reserve.liquidityMint.equals(p.mint)) {
            throw new AssetError(`${where}: liquidity mint is ${reserve.liquidityMint.toBase58()}, but ${a.priceAs}'s mint is ${p.mint.toBase58()}`);
          }
          price = p.solRate;
        } else if (reserve.liquidityMint.equals(WRAPPED_SOL_MINT)) {
          price = 1;
        }
        return {
          fields: {
            apyLending: y.supplyApy,
            supplyIndex: y.supplyIndex,
            tvlBase: price === undefined ? undefined : y.totalSupplyWhole * price,
            exitLiquidityBase: price === undefined ? undefined : y.availableWhole * price,
          },
        };
      }
    }
  }
}
