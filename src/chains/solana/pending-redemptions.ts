import { PublicKey, StakeProgram, type Commitment, type Connection, type GetProgramAccountsFilter } from '@solana/web3.js';
import type { AssetId } from '../../domain/asset.js';
import { LayoutError } from '../../sources/solana/bytes.js';
import { parseJitoVault } from '../../sources/solana/jito-vault.js';
import { MSOL_PRICE_DENOMINATOR, parseMarinadeState } from '../../sources/solana/marinade-state.js';
import { parseStakePool } from '../../sources/solana/spl-stake-pool.js';
import { JITO_TICKET_DISCRIMINATOR, parseJitoVaultConfig } from './builders/jito-vault.js';
import { TICKET_SPACE } from './builders/marinade.js';
import { STAKE_ACCOUNT_SIZE } from './builders/stake-account.js';
import { lamportsForWithdrawal } from './builders/spl-stake-pool.js';
import type { SolAssetVenue } from './builders/types.js';
import { marinadeRedemption, stakeRedemption, vrtRedemption, type ChainRedemption, type EpochClock, type RawAccount, type TokenValue } from './pending-decode.js';

/** What the chain says the vault has in redemption queues; `unreadable` accounts are the vault's but could not be decoded. */
export interface PendingOnChain {
  readonly redemptions: readonly ChainRedemption[];
  readonly problems: readonly string[];
  /** Ids (account addresses) whose state could not be validated: the journal's entry for them stands. */
  readonly unreadable: readonly string[];
}

export interface PendingReaderOptions {
  readonly connection: Connection;
  readonly vault: PublicKey;
  readonly nativeAsset: AssetId;
  readonly mints: Readonly<Record<AssetId, string>>;
  readonly venues: Readonly<Record<AssetId, SolAssetVenue>>;
  readonly commitment: Commitment;
  /** Assumed slot duration for epoch → time (default 400 ms, Solana's target). */
  readonly slotMs?: number | undefined;
}

/** Offsets of the field each program's accounts name their owner at (stake: meta.authorized.withdrawer; tickets: beneficiary / staker). */
const STAKE_WITHDRAWER_OFFSET = 44;
const MARINADE_BENEFICIARY_OFFSET = 40;
const VRT_STAKER_OFFSET = 40;

/**
 * Reads the vault's pending redemptions from the chain: getProgramAccounts on the Stake program (stake
 * accounts whose withdrawer is the vault), on each configured Marinade program (tickets whose beneficiary
 * is the vault) and each Jito vault program (withdrawal tickets whose staker is the vault), then the
 * protocol accounts that value them (the Jito vault and config, its supported token's pool or State).
 * Times come from getEpochInfo: `now` is taken as the time of its slot (pending-decode.ts).
 */
export function solanaPendingReader(o: PendingReaderOptions): (now: number) => Promise<PendingOnChain> {
  const byOwner = (offset: number, size?: number): GetProgramAccountsFilter[] => [...(size ? [{ dataSize: size }] : []), { memcmp: { offset, bytes: o.vault.toBase58() } }];
  const entries = Object.entries(o.venues).sort(([a], [b]) => a.localeCompare(b));
  const accounts = async (program: PublicKey, filters: GetProgramAccountsFilter[]) =>
    (await o.connection.getProgramAccounts(program, { commitment: o.commitment, filters })).map((x) => ({ key: x.pubkey, acc: { lamports: BigInt(x.account.lamports), data: x.account.data } as RawAccount }));

  return async (now) => {
    const info = await o.connection.getEpochInfo(o.commitment);
    const c: EpochClock = { now, slot: BigInt(info.absoluteSlot), epoch: BigInt(info.epoch), slotIndex: BigInt(info.slotIndex), slotsInEpoch: BigInt(info.slotsInEpoch), slotMs: o.slotMs ?? 400 };
    const out: ChainRedemption[] = [];
    const problems: string[] = [];
    const unreadable: string[] = [];
    /** The vault's, but not valued: the journal's entry for it (if any) stands. */
    const skip = (key: PublicKey, why: string) => {
      problems.push(why);
      unreadable.push(key.toBase58());
    };
    const attempt = (key: PublicKey, what: string, f: () => ChainRedemption | null) => {
      try {
        const r = f();
        if (r) out.push(r);
      } catch (e) {
        if (!(e instanceof LayoutError)) throw e;
        problems.push(`${what} ${key.toBase58()}: ${e.message}`);
        unreadable.push(key.toBase58());
      }
    };

    // Split stake: the account does not name its pool; it is claimed the same way whichever pool split it.
    const stakeAsset = entries.find(([, v]) => v.kind === 'spl-stake-pool')?.[0];
    for (const { key, acc } of await accounts(StakeProgram.programId, byOwner(STAKE_WITHDRAWER_OFFSET, STAKE_ACCOUNT_SIZE))) {
      if (!stakeAsset) skip(key, `stake account ${key.toBase58()} is the vault's, but no spl-stake-pool asset is configured to claim it through`);
      else attempt(key, 'stake account', () => stakeRedemption(key, acc, stakeAsset, o.vault, c));
    }

    const marinade = entries.flatMap(([id, v]) => (v.kind === 'marinade' ? [{ id, program: new PublicKey(v.program), state: new PublicKey(v.state) }] : []));
    for (const program of new Set(marinade.map((m) => m.program.toBase58()))) {
      for (const { key, acc } of await accounts(new PublicKey(program), byOwner(MARINADE_BENEFICIARY_OFFSET, TICKET_SPACE))) {
        const venue = marinade.find((m) => m.program.toBase58() === program && acc.data.length >= 40 && m.state.equals(new PublicKey(acc.data.subarray(8, 40))));
        if (!venue) skip(key, `Marinade ticket ${key.toBase58()} belongs to a State no configured asset uses`);
        else attempt(key, 'Marinade ticket', () => marinadeRedemption(key, acc, venue.id, o.vault, venue.state, c));
      }
    }

    const jito = entries.flatMap(([id, v]) => (v.kind === 'jito-vault' ? [{ id, program: new PublicKey(v.program), vault: new PublicKey(v.vault), config: new PublicKey(v.config) }] : []));
    if (jito.length > 0) {
      const keys = jito.flatMap((j) => [j.vault, j.config]);
      const got = await o.connection.getMultipleAccountsInfo(keys, o.commitment);
      for (const [i, j] of jito.entries()) {
        const tickets = (await accounts(j.program, byOwner(VRT_STAKER_OFFSET))).filter(({ acc }) => acc.data[0] === JITO_TICKET_DISCRIMINATOR); // other vault-program accounts share the offset
        const vAcc = got[2 * i];
        const cAcc = got[2 * i + 1];
        let why: string | undefined;
        let opts: Parameters<typeof vrtRedemption>[3] | undefined;
        if (!vAcc || !cAcc) why = `the Jito vault ${j.vault.toBase58()} or its config ${j.config.toBase58()} is missing`;
        else {
          try {
            const state = parseJitoVault(vAcc.data);
            const value = await supportedRate(o, state.supportedMint);
            if (typeof value === 'string') why = value;
            else opts = { vault: o.vault, jitoVault: j.vault, state, epochLength: parseJitoVaultConfig(cAcc.data).epochLength, value };
          } catch (e) {
            if (!(e instanceof LayoutError)) throw e;
            why = e.message;
          }
        }
        const valued = opts;
        for (const { key, acc } of tickets) {
          if (!valued) skip(key, `VRT withdrawal ticket ${key.toBase58()} (${j.id}) cannot be valued: ${why}`);
          else attempt(key, 'VRT withdrawal ticket', () => vrtRedemption(key, acc, j.id, valued, c));
        }
      }
    }
    return { redemptions: out, problems, unreadable };
  };
}

/** What a claim's supported tokens are worth in lamports: an SPL pool's WithdrawSol (net of its fee), Marinade's msol_price, 1:1 for SOL itself. */
async function supportedRate(o: PendingReaderOptions, mint: PublicKey): Promise<TokenValue | string> {
  const asset = Object.keys(o.mints).find((k) => o.mints[k] === mint.toBase58());
  if (asset === o.nativeAsset || mint.toBase58() === 'So11111111111111111111111111111111111111112') return (n) => n;
  const venue = asset ? o.venues[asset] : undefined;
  if (!venue || (venue.kind !== 'spl-stake-pool' && venue.kind !== 'marinade')) return `the vault's supported mint ${mint.toBase58()} has no stake-pool or Marinade venue to value it by`;
  const key = new PublicKey(venue.kind === 'spl-stake-pool' ? venue.pool : venue.state);
  const acc = await o.connection.getAccountInfo(key, o.commitment);
  if (!acc) return `the ${asset} ${venue.kind} account ${key.toBase58()} is missing`;
  if (venue.kind === 'spl-stake-pool') {
    const p = parseStakePool(acc.data);
    return (n) => lamportsForWithdrawal(p, n, p.solWithdrawalFee);
  }
  const price = parseMarinadeState(acc.data).msolPrice;
  return (n) => (n * price) / MSOL_PRICE_DENOMINATOR;
}
