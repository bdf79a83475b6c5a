import { createHash } from 'node:crypto';
import { PublicKey, StakeProgram, SystemProgram, TransactionInstruction } from '@solana/web3.js';
import type { PlannedAction } from '../../../domain/action.js';
import { parseStakePool, type Fee, type StakePoolState } from '../../../sources/solana/spl-stake-pool.js';
import { slippageFloor } from '../../build-error.js';
import { BuildError, mintOf, parsed, pk, r, receiptAsset, requirePositive, sol, u64le, venueOf, w } from './common.js';
import { vaultAta, createSeededAccount, ensureAta, seededAccount } from './plumbing.js';
import { parseStakeAccount, STAKE_ACCOUNT_SIZE, STAKE_RENT_EXEMPT_LAMPORTS, STAKE_SYSVARS, stakeWithdrawable } from './stake-account.js';
import type { SolBuildContext, SolProtocolBuilder, SolTxIntent } from './types.js';
import { parseValidatorList, validatorStakeAddress, type ValidatorEntry } from './validator-list.js';

/**
 * SPL stake pools (JitoSOL, bSOL; jupSOL and other Sanctum pools on their own program ids). Tags and
 * account orders: solana-program/stake-pool program/src/instruction.rs (reference § SPL stake pool).
 * DepositSol 14 / WithdrawSol 16 / WithdrawStake 10 are checked against @solana/spl-stake-pool; the
 * slippage variants 25 / 26 / 24 (which that client does not encode) are the same accounts with
 * {amount, minimum out}. A pool whose program lacks them (`slippageInstructions: false`) gets the plain
 * instruction with the minimum out checked against the pool state of the same slot and again in
 * simulation (SolTxIntent.slippage.enforcedOnChain = false says so).
 */
export const TAG = { withdrawStake: 10, depositSol: 14, withdrawSol: 16, withdrawStakeWithSlippage: 24, depositSolWithSlippage: 25, withdrawSolWithSlippage: 26 } as const;

/** SOL the reserve keeps: its rent and the stake program's minimum delegation (1 SOL, the larger bound). */
const RESERVE_FLOOR = STAKE_RENT_EXEMPT_LAMPORTS + 1_000_000_000n;
/** A validator stake keeps at least this after a split (rent + the minimum delegation). */
const VALIDATOR_FLOOR = STAKE_RENT_EXEMPT_LAMPORTS + 1_000_000_000n;

export function withdrawAuthority(program: PublicKey, pool: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([pool.toBuffer(), Buffer.from('withdraw')], program)[0];
}

const applyFee = (amount: bigint, f: Fee): bigint => (f.denominator === 0n ? 0n : (amount * f.numerator) / f.denominator);

/** Pool tokens for a SOL deposit, after the deposit fee (the referral share comes back: we are the referrer). */
export function poolTokensForDeposit(p: StakePoolState, lamports: bigint): bigint {
  const minted = p.poolTokenSupply === 0n || p.totalLamports === 0n ? lamports : (lamports * p.poolTokenSupply) / p.totalLamports;
  const fee = applyFee(minted, p.solDepositFee);
  const referral = (fee * BigInt(p.solReferralFee)) / 100n;
  return minted - fee + referral;
}

/** Lamports for burning pool tokens, after the given withdrawal fee (paid in pool tokens). */
export function lamportsForWithdrawal(p: StakePoolState, poolTokens: bigint, fee: Fee): bigint {
  if (p.poolTokenSupply === 0n) return 0n;
  return ((poolTokens - applyFee(poolTokens, fee)) * p.totalLamports) / p.poolTokenSupply;
}

function data(tag: number, ...args: bigint[]): Buffer {
  return Buffer.concat([Buffer.from([tag]), ...args.map(u64le)]);
}

interface PoolCtx {
  program: PublicKey;
  poolKey: PublicKey;
  pool: StakePoolState;
  mint: PublicKey;
  slippageIx: boolean;
  asset: string;
}

function pool(action: PlannedAction, ctx: SolBuildContext): PoolCtx {
  const { asset, venue } = venueOf(action, ctx, 'spl-stake-pool');
  const program = pk(venue.program, `${asset} stake-pool program`, action);
  const poolKey = pk(venue.pool, `${asset} stake pool`, action);
  const p = parsed(ctx, poolKey, `${asset} stake pool`, program, parseStakePool, action);
  const mint = mintOf(ctx, asset, action);
  if (!p.poolMint.equals(mint)) throw new BuildError(`pool ${poolKey.toBase58()} mints ${p.poolMint.toBase58()}, not ${asset}'s ${mint.toBase58()}`, action);
  // Every pool instruction fails with StakeListAndPoolOutOfDate until UpdateStakePoolBalance has run.
  const epoch = ctx.chain?.epoch ?? 0n;
  if (p.lastUpdateEpoch < epoch) throw new BuildError(`pool ${poolKey.toBase58()} needs its epoch update (last_update_epoch ${p.lastUpdateEpoch} < epoch ${epoch}); waiting for the pool's crank`, action);
  return { program, poolKey, pool: p, mint, slippageIx: venue.slippageInstructions, asset };
}

function deposit(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const c = pool(action, ctx);
  const p = c.pool;
  if (p.solDepositAuthority && !p.solDepositAuthority.equals(ctx.vault)) throw new BuildError(`SOL deposits into ${c.asset}'s pool need ${p.solDepositAuthority.toBase58()}'s signature`, action);
  const dest = vaultAta(ctx, c.mint, p.tokenProgramId);
  const expected = poolTokensForDeposit(p, action.amountIn);
  if (expected < action.minOut) throw new BuildError(`pool state gives ${sol(expected)} ${c.asset}, below the planned minimum ${sol(action.minOut)}`, action);
  const floor = slippageFloor(expected, ctx.maxSlippage, action);
  const minOut = floor > action.minOut ? floor : action.minOut;
  const keys = [w(c.poolKey), r(withdrawAuthority(c.program, c.poolKey)), w(p.reserveStake), w(ctx.vault, true), w(dest), w(p.managerFeeAccount), w(dest), w(c.mint), r(SystemProgram.programId), r(p.tokenProgramId)];
  if (p.solDepositAuthority) keys.push(r(p.solDepositAuthority, true));
  const ix = new TransactionInstruction({ programId: c.program, keys, data: c.slippageIx ? data(TAG.depositSolWithSlippage, action.amountIn, minOut) : data(TAG.depositSol, action.amountIn) });
  return [
    {
      instructions: [ensureAta(ctx.vault, ctx.vault, c.mint, p.tokenProgramId), ix],
      description: `deposit ${sol(action.amountIn)} SOL into the ${c.asset} pool for ≥ ${sol(minOut)} ${c.asset}`,
      valueAtRiskLamports: action.amountIn,
      slippage: { minOut, quotedOut: expected, destination: dest.toBase58(), enforcedOnChain: c.slippageIx },
    },
  ];
}

/** The validator stake to split from: the largest active one that keeps its floor after the split. */
function pickValidator(list: readonly ValidatorEntry[], lamports: bigint): ValidatorEntry | undefined {
  let best: ValidatorEntry | undefined;
  for (const v of list) if (v.status === 0 && v.activeStakeLamports >= lamports + VALIDATOR_FLOOR && (!best || v.activeStakeLamports > best.activeStakeLamports)) best = v;
  return best;
}

/** Seed of the split stake account: derived from the action key, so a retry names the same account. */
export function splitStakeSeed(actionKey: string): string {
  return `wst${createHash('sha256').update(actionKey).digest('hex').slice(0, 24)}`;
}

function withdraw(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const c = pool(action, ctx);
  const p = c.pool;
  const source = vaultAta(ctx, c.mint, p.tokenProgramId);
  const wa = withdrawAuthority(c.program, c.poolKey);
  const instant = lamportsForWithdrawal(p, action.amountIn, p.solWithdrawalFee);
  const reserve = ctx.chain?.accounts.get(p.reserveStake.toBase58());
  const reserveFree = reserve ? reserve.lamports - RESERVE_FLOOR : -1n;
  if (reserveFree >= instant && !p.solWithdrawAuthority) {
    const minOut = slippageFloor(instant, ctx.maxSlippage, action);
    const keys = [w(c.poolKey), r(wa), r(ctx.vault, true), w(source), w(p.reserveStake), w(ctx.vault), w(p.managerFeeAccount), w(c.mint), r(STAKE_SYSVARS.clock), r(STAKE_SYSVARS.stakeHistory), r(STAKE_SYSVARS.program), r(p.tokenProgramId)];
    const ix = new TransactionInstruction({ programId: c.program, keys, data: c.slippageIx ? data(TAG.withdrawSolWithSlippage, action.amountIn, minOut) : data(TAG.withdrawSol, action.amountIn) });
    return [
      {
        instructions: [ix],
        description: `withdraw ${sol(instant)} SOL from the ${c.asset} pool's reserve for ${sol(action.amountIn)} ${c.asset}`,
        valueAtRiskLamports: instant,
        slippage: { minOut, quotedOut: instant, destination: ctx.vault.toBase58(), enforcedOnChain: c.slippageIx },
      },
    ];
  }
  // The reserve cannot cover it: split stake off a validator (a redemption queue: deactivate, claim next epoch).
  const lamports = lamportsForWithdrawal(p, action.amountIn, p.stakeWithdrawalFee);
  const list = parsed(ctx, p.validatorList, `${c.asset} validator list`, c.program, parseValidatorList, action);
  const v = pickValidator(list, lamports);
  if (!v) throw new BuildError(`no active validator stake in the ${c.asset} pool can cover ${sol(lamports)} SOL`, action);
  if (!ctx.actionKey) throw new BuildError('a stake withdrawal needs the action key to derive its stake account', action);
  const seed = splitStakeSeed(ctx.actionKey);
  const split = seededAccount(ctx.vault, seed, StakeProgram.programId);
  const minOut = slippageFloor(lamports, ctx.maxSlippage, action);
  const keys = [w(c.poolKey), w(p.validatorList), r(wa), w(validatorStakeAddress(c.program, c.poolKey, v)), w(split), r(ctx.vault), r(ctx.vault, true), w(source), w(p.managerFeeAccount), w(c.mint), r(STAKE_SYSVARS.clock), r(p.tokenProgramId), r(STAKE_SYSVARS.program)];
  const ix = new TransactionInstruction({ programId: c.program, keys, data: c.slippageIx ? data(TAG.withdrawStakeWithSlippage, action.amountIn, minOut) : data(TAG.withdrawStake, action.amountIn) });
  return [
    {
      instructions: [createSeededAccount(ctx.vault, seed, StakeProgram.programId, STAKE_ACCOUNT_SIZE, STAKE_RENT_EXEMPT_LAMPORTS), ix, ...StakeProgram.deactivate({ stakePubkey: split, authorizedPubkey: ctx.vault }).instructions],
      description: `withdraw ${sol(lamports)} SOL of stake from the ${c.asset} pool (validator ${v.voteAccount.toBase58()}) into ${split.toBase58()} and deactivate it`,
      valueAtRiskLamports: 0n,
      pending: { kind: 'stake-account', account: split.toBase58(), expected: lamports + STAKE_RENT_EXEMPT_LAMPORTS },
    },
  ];
}

function claim(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  const key = pk(action.redemptionId ?? '', 'redemption id (stake account)', action);
  const acc = ctx.chain?.accounts.get(key.toBase58());
  const s = parsed(ctx, key, 'split stake account', StakeProgram.programId, parseStakeAccount, action);
  if (!s.withdrawer.equals(ctx.vault)) throw new BuildError(`stake account ${key.toBase58()} is withdrawable by ${s.withdrawer.toBase58()}, not the vault`, action);
  const epoch = ctx.chain?.epoch ?? 0n;
  if (!stakeWithdrawable(s, epoch)) throw new BuildError(`stake account ${key.toBase58()} is not inactive yet (deactivation epoch ${s.deactivationEpoch}, now ${epoch})`, action);
  const lamports = acc?.lamports ?? 0n;
  return [
    {
      instructions: StakeProgram.withdraw({ stakePubkey: key, authorizedPubkey: ctx.vault, toPubkey: ctx.vault, lamports: Number(lamports) }).instructions,
      description: `withdraw ${sol(lamports)} SOL from the deactivated stake account ${key.toBase58()}`,
      valueAtRiskLamports: 0n,
    },
  ];
}

function accountsToRead(action: PlannedAction, ctx: SolBuildContext): PublicKey[] {
  if (action.kind === 'redeem-claim') return [pk(action.redemptionId ?? '', 'redemption id (stake account)', action)];
  const { asset, venue } = venueOf(action, ctx, 'spl-stake-pool');
  return [pk(venue.pool, `${asset} stake pool`, action)];
}

export const splStakePoolBuilder: SolProtocolBuilder = {
  protocol: 'spl-stake-pool',
  supports: (a, ctx) => {
    const asset = receiptAsset(a);
    return ctx.venues[asset]?.kind === 'spl-stake-pool' && (a.kind === 'mint' || a.kind === 'redeem-request' || a.kind === 'redeem-claim');
  },
  async prepare(action, ctx, chain) {
    const first = await chain.readAccounts(accountsToRead(action, ctx));
    if (action.kind !== 'redeem-request') return { ...ctx, chain: first };
    // The reserve and validator list, read again with the pool so all three come from one slot.
    const { asset, venue } = venueOf(action, ctx, 'spl-stake-pool');
    const poolKey = pk(venue.pool, `${asset} stake pool`, action);
    const p = parsed({ ...ctx, chain: first }, poolKey, `${asset} stake pool`, null, parseStakePool, action);
    return { ...ctx, chain: await chain.readAccounts([poolKey, p.reserveStake, p.validatorList]) };
  },
  build(action, ctx) {
    if (action.kind === 'mint') return deposit(action, ctx);
    if (action.kind === 'redeem-request') return withdraw(action, ctx);
    return claim(action, ctx);
  },
};
