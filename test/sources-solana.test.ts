import { createServer } from 'node:net';
import { PublicKey } from '@solana/web3.js';
import { LiteSVM } from 'litesvm';
import { beforeEach, describe, expect, it } from 'vitest';
import { checkObservation } from '../src/domain/observation-check.js';
import type { Observation } from '../src/domain/observation.js';
import { ConfigError } from '../src/errors.js';
import { liteSvmReader } from '../src/sources/solana/account-reader.js';
import { ratio } from '../src/sources/solana/bytes.js';
import { JITO_VAULT_PROGRAM_ID, parseJitoVault } from '../src/sources/solana/jito-vault.js';
import { KLEND_PROGRAM_ID, SLOTS_PER_YEAR, parseKaminoReserve } from '../src/sources/solana/kamino-reserve.js';
import { MARINADE_PROGRAM_ID, parseMarinadeState } from '../src/sources/solana/marinade-state.js';
import { createSolanaSources, SolanaSourcesSchema, type SolanaSourcesInput } from '../src/sources/solana/solana-sources-config.js';
import { SPL_STAKE_POOL_PROGRAM_ID, feeFraction, parseStakePool } from '../src/sources/solana/spl-stake-pool.js';
import type { SourceRead, YieldSource } from '../src/sources/yield-source.js';
import {
  decimalQuotient,
  encodeJitoVault,
  encodeKaminoReserve,
  encodeMarinadeState,
  encodeStakePool,
  key,
  setAccount,
  type StakePoolFields,
} from './support/lite-svm.js';

// Real mainnet addresses (config/assets/solana.yaml, protocols.md B1–B6); kySOL's vault and the Kamino
// reserves are not in the registry, so stand-in keys are used for those accounts.
const JITO_POOL = new PublicKey('Jito4APyf642JPZPx3hGc6WWJ8zPKtRbRs4P815Awbb');
const JITOSOL_MINT = new PublicKey('J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn');
const BSOL_POOL = new PublicKey('stk9ApL5HeVAwPLr3TLhDXdZS8ptVu7zp6ov8HFDuMi');
const BSOL_MINT = new PublicKey('bSo13r4TkiE4KumL71LsHTPpL2euBYLFx6h9HP3piy1');
const MARINADE_STATE = new PublicKey('8szGkuLTAux9XMgZ2vtY39jVSowEcpBfFfD8hXSEqdGC');
const MSOL_MINT = new PublicKey('mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So');
const KAMINO_MAIN_MARKET = new PublicKey('7u3HeHxYDLhnCoErrtycNokbQYbWGzLs6JSDqGAv5PfF');
const WSOL_MINT = new PublicKey('So11111111111111111111111111111111111111112');
const KYSOL_VAULT = key(9001);
const KYSOL_MINT = key(9002);
const KAMINO_SOL_RESERVE = key(9003);
const KAMINO_JITOSOL_RESERVE = key(9004);

const NOW = Date.parse('2025-06-01T00:00:00Z');
const SLOT = 345_678_901n;
const FRAC = 60n; // klend U68F60

const jitoPool: StakePoolFields = {
  poolMint: JITOSOL_MINT,
  totalLamports: 1_275_866_267_000n,
  poolTokenSupply: 1_000_000_000_000n,
  lastUpdateEpoch: 812n,
  epochFee: { numerator: 4n, denominator: 100n },
  nextEpochFee: { numerator: 5n, denominator: 100n },
  preferredDepositValidator: key(77),
  preferredWithdrawValidator: null,
  stakeWithdrawalFee: { numerator: 1n, denominator: 1000n },
  solDepositAuthority: null,
  solDepositFee: { numerator: 0n, denominator: 1n },
  solWithdrawAuthority: key(78),
  solWithdrawalFee: { numerator: 3n, denominator: 1000n },
  nextSolWithdrawalFee: null,
  lastEpochPoolTokenSupply: 999_000_000_000n,
  lastEpochTotalLamports: 1_274_000_000_000n,
  allocated: 611, // the largest Borsh encoding (every Option Some), as pools are allocated
};

// Above 2^53 on purpose: JitoSOL's real total_lamports (~1.4e16) is too.
const bsolPool: StakePoolFields = {
  poolMint: BSOL_MINT,
  totalLamports: 14_770_000_123_456_789n,
  poolTokenSupply: 11_650_000_000_000_001n,
  lastUpdateEpoch: 812n,
  epochFee: { numerator: 5n, denominator: 100n },
  lastEpochPoolTokenSupply: 11_640_000_000_000_000n,
  lastEpochTotalLamports: 14_750_000_000_000_000n,
};

const marinade = {
  msolMint: MSOL_MINT,
  msolSupply: 1_000_000n * 10n ** 9n,
  msolPrice: 5_583_457_484n, // ≈ 1.3 × 2^32
  totalActiveBalance: 1_250_000n * 10n ** 9n,
  delayedUnstakeCoolingDown: 20_000n * 10n ** 9n,
  emergencyCoolingDown: 5_000n * 10n ** 9n,
  availableReserveBalance: 30_000n * 10n ** 9n,
  circulatingTicketBalance: 5_000n * 10n ** 9n,
};

const kysolVault = {
  vrtMint: KYSOL_MINT,
  supportedMint: JITOSOL_MINT,
  vrtSupply: 1_000_000_000_000n,
  tokensDeposited: 1_050_000_000_000n,
  depositFeeBps: 10,
  withdrawalFeeBps: 10,
  nextWithdrawalFeeBps: 15,
  rewardFeeBps: 500,
  programFeeBps: 10,
  isPaused: false,
};

const kaminoSol = {
  lendingMarket: KAMINO_MAIN_MARKET,
  liquidityMint: WSOL_MINT,
  lastUpdateSlot: SLOT - 3n,
  mintDecimals: 9,
  availableAmount: 600_000n * 10n ** 9n,
  borrowedAmountSf: (400_000n * 10n ** 9n) << FRAC,
  collateralMintTotalSupply: 900_000n * 10n ** 9n,
  hostFixedInterestRateBps: 0,
  protocolTakeRatePct: 10,
  curve: [
    [0, 0],
    [8000, 1000],
    [10000, 5000],
  ] as Array<[number, number]>,
};

const kaminoJitoSol = {
  ...kaminoSol,
  liquidityMint: JITOSOL_MINT,
  availableAmount: 50_000n * 10n ** 9n,
  borrowedAmountSf: (5_000n * 10n ** 9n) << FRAC,
  accumulatedProtocolFeesSf: 3n << (FRAC - 1n), // 1.5 lamports of fees
  collateralMintTotalSupply: 54_000n * 10n ** 9n,
  protocolTakeRatePct: 15,
  curve: [
    [0, 100],
    [9000, 800],
    [10000, 3000],
  ] as Array<[number, number]>,
};

const CONFIG: SolanaSourcesInput = {
  rpcUrl: 'https://api.mainnet-beta.solana.com',
  assets: {
    JitoSOL: { kind: 'spl-stake-pool', pool: JITO_POOL.toBase58(), poolMint: JITOSOL_MINT.toBase58() },
    bSOL: { kind: 'spl-stake-pool', pool: BSOL_POOL.toBase58() },
    mSOL: { kind: 'marinade', state: MARINADE_STATE.toBase58() },
    kySOL: { kind: 'jito-vault', vault: KYSOL_VAULT.toBase58(), supportedAsset: 'JitoSOL', vrtMint: KYSOL_MINT.toBase58() },
    'kamino-SOL': { kind: 'kamino-reserve', reserve: KAMINO_SOL_RESERVE.toBase58(), market: KAMINO_MAIN_MARKET.toBase58() },
    'kamino-JitoSOL': { kind: 'kamino-reserve', reserve: KAMINO_JITOSOL_RESERVE.toBase58(), priceAs: 'JitoSOL' },
  },
};

function byAsset(r: SourceRead): Record<string, Observation> {
  return Object.fromEntries(r.observations.map((o) => [o.asset, o]));
}

describe('Solana on-chain sources (litesvm)', () => {
  let svm: LiteSVM;
  let source: YieldSource;

  beforeEach(() => {
    svm = new LiteSVM();
    svm.warpToSlot(SLOT);
    setAccount(svm, JITO_POOL, SPL_STAKE_POOL_PROGRAM_ID, encodeStakePool(jitoPool));
    setAccount(svm, BSOL_POOL, SPL_STAKE_POOL_PROGRAM_ID, encodeStakePool(bsolPool));
    setAccount(svm, MARINADE_STATE, MARINADE_PROGRAM_ID, encodeMarinadeState(marinade));
    setAccount(svm, KYSOL_VAULT, JITO_VAULT_PROGRAM_ID, encodeJitoVault(kysolVault));
    setAccount(svm, KAMINO_SOL_RESERVE, KLEND_PROGRAM_ID, encodeKaminoReserve(kaminoSol));
    setAccount(svm, KAMINO_JITOSOL_RESERVE, KLEND_PROGRAM_ID, encodeKaminoReserve(kaminoJitoSol));
    [source] = createSolanaSources(CONFIG, { reader: liteSvmReader(svm) }) as [YieldSource];
  });

  it('reads every asset in one call at one slot, each observation passing the checks', async () => {
    const r = await source.read(NOW);
    expect(r.failures).toEqual([]);
    expect(r.observations.map((o) => o.asset).sort()).toEqual(['JitoSOL', 'bSOL', 'kamino-JitoSOL', 'kamino-SOL', 'kySOL', 'mSOL']);
    for (const o of r.observations) {
      expect(checkObservation(o)).toEqual([]);
      expect(o.time).toBe(NOW);
      expect(o.ref).toBe(`slot:${SLOT}`);
    }
    const o = byAsset(r);
    expect(o.JitoSOL?.source).toBe('solana:spl-stake-pool');
    expect(o.mSOL?.source).toBe('solana:marinade');
    expect(o.kySOL?.source).toBe('solana:jito-vault');
    expect(o['kamino-SOL']?.source).toBe('solana:kamino-reserve');
  });

  it('SPL stake pool: fairRate = total_lamports / pool_token_supply, exactly', async () => {
    const o = byAsset(await source.read(NOW));
    expect(o.JitoSOL?.fairRate).toBe(1.275866267);
    expect(o.JitoSOL?.tvlBase).toBe(1275.866267);
    // u64s above 2^53: compared with an independent bigint long division, parsed by Number() (correctly rounded).
    expect(o.bSOL?.fairRate).toBe(Number(decimalQuotient(14_770_000_123_456_789n, 11_650_000_000_000_001n)));
    expect(o.bSOL?.tvlBase).toBe(Number(decimalQuotient(14_770_000_123_456_789n, 10n ** 9n)));
  });

  it('SPL stake pool parser: fees denominator-first and the sequentially parsed tail', () => {
    const p = parseStakePool(encodeStakePool(jitoPool));
    expect(p.poolMint.equals(JITOSOL_MINT)).toBe(true);
    expect(p.lastUpdateEpoch).toBe(812n);
    expect(p.epochFee).toEqual({ denominator: 100n, numerator: 4n });
    expect(feeFraction(p.epochFee)).toBe(0.04);
    expect(p.stakeWithdrawalFee).toEqual({ denominator: 1000n, numerator: 1n });
    expect(p.solDepositFee).toEqual({ denominator: 1n, numerator: 0n });
    expect(p.solWithdrawalFee).toEqual({ denominator: 1000n, numerator: 3n });
    expect(p.lastEpochPoolTokenSupply).toBe(999_000_000_000n);
    expect(p.lastEpochTotalLamports).toBe(1_274_000_000_000n);
    // With every optional field absent the same values come out at different offsets.
    const q = parseStakePool(encodeStakePool(bsolPool));
    expect(q.lastEpochPoolTokenSupply).toBe(11_640_000_000_000_000n);
    expect(q.lastEpochTotalLamports).toBe(14_750_000_000_000_000n);
    expect(q.serializedLength).toBe(346 + 1 + 1 + 1 + 16 + 16 + 1 + 1 + 1 + 16 + 1 + 1 + 16 + 1 + 16);
  });

  it('Marinade: fairRate = msol_price / 2^32, cross-checked against total_virtual_staked / msol_supply', async () => {
    const o = byAsset(await source.read(NOW));
    expect(o.mSOL?.fairRate).toBe(5_583_457_484 / 4_294_967_296);
    // 1_250_000 active + 20_000 + 5_000 cooling + 30_000 reserve − 5_000 tickets
    expect(o.mSOL?.tvlBase).toBe(1_300_000);
    const s = parseMarinadeState(encodeMarinadeState({ ...marinade, paused: true }));
    expect(s.msolSupply).toBe(marinade.msolSupply);
    expect(s.paused).toBe(true);
  });

  it('Marinade: a state whose virtual rate disagrees with msol_price is a failure, not a reading', async () => {
    setAccount(svm, MARINADE_STATE, MARINADE_PROGRAM_ID, encodeMarinadeState({ ...marinade, msolPrice: 6_000_000_000n }));
    const r = await source.read(NOW);
    const f = r.failures.find((x) => x.assets.includes('mSOL'));
    expect(f?.message).toMatch(/mSOL: marinade account 8szGkuLTAux9XMgZ2vtY39jVSowEcpBfFfD8hXSEqdGC: bad layout: cross-check failed/);
    expect(byAsset(r).mSOL).toBeUndefined();
  });

  it('Jito vault: VRT rate = tokens_deposited / vrt_supply × JitoSOL rate (same call)', async () => {
    const o = byAsset(await source.read(NOW));
    expect(o.kySOL?.fairRate).toBe(1.05 * 1.275866267);
    expect(o.kySOL?.fairRate).toBeCloseTo(1.33965958035, 12);
    expect(o.kySOL?.tvlBase).toBe(1050 * 1.275866267);
    const v = parseJitoVault(encodeJitoVault(kysolVault));
    expect(v).toMatchObject({ depositFeeBps: 10, withdrawalFeeBps: 10, nextWithdrawalFeeBps: 15, rewardFeeBps: 500, programFeeBps: 10, isPaused: false });
    expect(parseJitoVault(encodeJitoVault({ ...kysolVault, isPaused: true })).isPaused).toBe(true);
  });

  it('Jito vault: a supported_mint that is not the supported asset\'s mint is a failure', async () => {
    setAccount(svm, KYSOL_VAULT, JITO_VAULT_PROGRAM_ID, encodeJitoVault({ ...kysolVault, supportedMint: BSOL_MINT }));
    const r = await source.read(NOW);
    expect(r.failures.find((f) => f.assets.includes('kySOL'))?.message).toMatch(/supported_mint is bSo13r4T.*JitoSOL's mint is J1toso1u/);
    expect(byAsset(r).JitoSOL?.fairRate).toBe(1.275866267);
  });

  it('Kamino reserve: supply APY per the klend-sdk formula, supply index, TVL and idle liquidity', async () => {
    const o = byAsset(await source.read(NOW));
    // utilization 400k / 1M = 0.4; curve (0,0)→(80%,10%): 0.05; slot factor 1000/2/450; take rate 10 %.
    const apr = 0.4 * 0.05 * (1000 / 2 / 450) * (1 - 10 / 100);
    expect(o['kamino-SOL']?.apyLending).toBe(Math.pow(1 + apr / 63_072_000, 63_072_000) - 1);
    expect(o['kamino-SOL']?.apyLending).toBeCloseTo(Math.expm1(0.02), 7);
    expect(o['kamino-SOL']?.supplyIndex).toBe(Number(decimalQuotient(10n ** 15n, 9n * 10n ** 14n)));
    expect(o['kamino-SOL']?.tvlBase).toBe(1_000_000);
    expect(o['kamino-SOL']?.exitLiquidityBase).toBe(600_000);

    // JitoSOL reserve: total = 50_000 + 5_000 − 1.5e-9 (fees); util = 5_000 / that; curve (0,1%)→(90%,8%).
    const totalSf = ((55_000n * 10n ** 9n) << FRAC) - (3n << (FRAC - 1n));
    const util = ratio((5_000n * 10n ** 9n) << FRAC, totalSf);
    const borrow = (100 + ((util * 10_000 - 0) / 9000) * 700) / 10_000;
    const apr2 = util * borrow * (1000 / 2 / 450) * (1 - 15 / 100);
    expect(o['kamino-JitoSOL']?.apyLending).toBe(Math.pow(1 + apr2 / SLOTS_PER_YEAR, SLOTS_PER_YEAR) - 1);
    expect(o['kamino-JitoSOL']?.tvlBase).toBe(ratio(totalSf, 10n ** 9n << FRAC) * 1.275866267);
    expect(o['kamino-JitoSOL']?.exitLiquidityBase).toBe(50_000 * 1.275866267);
    const p = parseKaminoReserve(encodeKaminoReserve(kaminoJitoSol));
    expect(p.protocolTakeRatePct).toBe(15);
    expect(p.borrowRateCurve[2]).toEqual({ utilizationRateBps: 10000, borrowRateBps: 3000 });
    expect(p.borrowRateCurve[10]).toEqual({ utilizationRateBps: 10000, borrowRateBps: 3000 });
  });

  it('a wrong owner is a failure naming the account; the other assets still read', async () => {
    setAccount(svm, BSOL_POOL, new PublicKey('11111111111111111111111111111111'), encodeStakePool(bsolPool));
    const r = await source.read(NOW);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]).toMatchObject({ source: 'solana:spl-stake-pool', assets: ['bSOL'] });
    expect(r.failures[0]?.message).toBe(
      'bSOL: spl-stake-pool account stk9ApL5HeVAwPLr3TLhDXdZS8ptVu7zp6ov8HFDuMi: owned by 11111111111111111111111111111111, expected stake-pool program SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy',
    );
    expect(r.observations).toHaveLength(5);
  });

  it('a truncated account is a failure for it and for what depends on it', async () => {
    setAccount(svm, JITO_POOL, SPL_STAKE_POOL_PROGRAM_ID, encodeStakePool(jitoPool).subarray(0, 300));
    const r = await source.read(NOW);
    const msg = Object.fromEntries(r.failures.map((f) => [f.assets[0], f.message]));
    expect(Object.keys(msg).sort()).toEqual(['JitoSOL', 'kamino-JitoSOL', 'kySOL']);
    expect(msg.JitoSOL).toMatch(/^JitoSOL: spl-stake-pool account Jito4APyf642JPZPx3hGc6WWJ8zPKtRbRs4P815Awbb: bad layout: epoch_fee\.denominator at offset 330 .* past the end of the 300-byte account/);
    expect(msg.kySOL).toMatch(/^kySOL: jito-vault account .*: supported asset JitoSOL unavailable: JitoSOL: /);
    expect(msg['kamino-JitoSOL']).toMatch(/priceAs asset JitoSOL unavailable/);
    expect(byAsset(r).bSOL?.fairRate).toBeDefined();
    expect(byAsset(r)['kamino-SOL']?.apyLending).toBeDefined();
  });

  it('wrong sizes / discriminators / missing accounts are failures, never throws', async () => {
    setAccount(svm, KYSOL_VAULT, JITO_VAULT_PROGRAM_ID, encodeJitoVault(kysolVault).subarray(0, 1000));
    setAccount(svm, KAMINO_SOL_RESERVE, KLEND_PROGRAM_ID, encodeMarinadeState(marinade));
    const empty = new LiteSVM();
    const r = await source.read(NOW);
    const msg = Object.fromEntries(r.failures.map((f) => [f.assets[0], f.message]));
    expect(msg.kySOL).toMatch(/bad layout: account is 1000 bytes, expected 1111 \(Jito Vault\)/);
    expect(msg['kamino-SOL']).toMatch(/bad layout: discriminator d8926b5e684bb6b1, expected 2bf2ccca1af73b7f/);
    const [none] = createSolanaSources(CONFIG, { reader: liteSvmReader(empty) }) as [YieldSource];
    const r2 = await none.read(NOW);
    expect(r2.observations).toEqual([]);
    expect(r2.failures.find((f) => f.assets[0] === 'mSOL')?.message).toBe(
      'mSOL: marinade account 8szGkuLTAux9XMgZ2vtY39jVSowEcpBfFfD8hXSEqdGC: account not found at this slot',
    );
  });

  it('RPC down (connectionReader on a closed port): one failure naming the URL, covering every asset', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const [live] = createSolanaSources({ ...CONFIG, rpcUrl: url, timeoutMs: 5_000 }) as [YieldSource];
    const t0 = Date.now();
    const r = await live.read(NOW);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(r.observations).toEqual([]);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]?.source).toBe('solana');
    expect(r.failures[0]?.assets).toEqual(Object.keys(CONFIG.assets));
    expect(r.failures[0]?.message).toContain(`Solana RPC ${url}`);
    expect(r.failures[0]?.message).toContain('getMultipleAccounts failed');
  });

  it('a reader that hangs past timeoutMs is the same RPC failure', async () => {
    const [slow] = createSolanaSources(
      { ...CONFIG, timeoutMs: 50 },
      { reader: { endpoint: 'http://rpc.test', getAccounts: () => new Promise(() => {}) } },
    ) as [YieldSource];
    const r = await slow.read(NOW);
    expect(r.failures[0]?.message).toBe('Solana RPC http://rpc.test: getMultipleAccounts failed: getMultipleAccounts on http://rpc.test timed out after 50 ms');
  });

  it('config: base58 keys and cross-references are validated up front', () => {
    const parsed = SolanaSourcesSchema.parse(CONFIG);
    expect(parsed.commitment).toBe('confirmed');
    expect(parsed.assets.JitoSOL).toMatchObject({ program: 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy' });
    expect(SolanaSourcesSchema.parse(parsed)).toEqual(parsed); // parsed config can be handed to the factory again
    expect(() => createSolanaSources({ ...CONFIG, assets: { X: { kind: 'spl-stake-pool', pool: 'not-a-key' } } })).toThrow(ConfigError);
    expect(() =>
      createSolanaSources({ ...CONFIG, assets: { kySOL: { kind: 'jito-vault', vault: KYSOL_VAULT.toBase58(), supportedAsset: 'JitoSOL' } } }),
    ).toThrow(/sources\.solana\.assets\.kySOL\.supportedAsset/);
    expect(() =>
      createSolanaSources({ ...CONFIG, assets: { k: { kind: 'kamino-reserve', reserve: KAMINO_SOL_RESERVE.toBase58(), priceAs: 'nope' } } }),
    ).toThrow(ConfigError);
  });
});
