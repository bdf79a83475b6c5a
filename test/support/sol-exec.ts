import { readFileSync } from 'node:fs';
import { Connection, Keypair, PublicKey, StakeProgram, SystemProgram, type AccountInfo } from '@solana/web3.js';
import { ChainExecutor } from '../../src/chains/chain-executor.js';
import type { PipelineJournal } from '../../src/chains/execution-pipeline.js';
import { jupiterApi } from '../../src/chains/solana/builders/jupiter.js';
import { NATIVE_MINT, wrapSol } from '../../src/chains/solana/builders/plumbing.js';
import { solanaBuilders } from '../../src/chains/solana/builders/registry.js';
import type { SolAssetVenue, SolProtocolBuilder } from '../../src/chains/solana/builders/types.js';
import { parseSolPolicy } from '../../src/chains/solana/policy/sol-policy-schema.js';
import { SolanaAdapter, type SolTxPayload } from '../../src/chains/solana/solana-adapter.js';
import { solanaBalances } from '../../src/chains/solana/solana-balances.js';
import { solanaPendingReader } from '../../src/chains/solana/pending-redemptions.js';

/** Shared by the in-process Solana execution tests and the crash runner's child process. */
export const POLICY_FILE = new URL('../../config/policies/sol-staking.policy.yaml', import.meta.url).pathname;

/**
 * A test-only builder for the pipeline's mechanics: 'mint' SOL → WSOL wraps the amount into the vault's
 * wrapped-SOL account (real System and Token programs), which the shipped policy allows. Executing it
 * twice would wrap twice, so the wrapped balance counts executions.
 */
export const wrapBuilder: SolProtocolBuilder = {
  protocol: 'test-wrap',
  supports: (a) => a.kind === 'mint' && a.to === 'WSOL',
  build: (a, ctx) => [{ instructions: wrapSol(ctx.vault, a.amountIn), description: `wrap ${a.amountIn} lamports`, valueAtRiskLamports: a.amountIn }],
};

export function systemAccount(lamports: bigint): AccountInfo<Uint8Array> {
  return { lamports: Number(lamports), data: new Uint8Array(0), owner: SystemProgram.programId, executable: false };
}

/** StakeStateV2::Initialized(Meta) with the vault as staker and withdrawer: withdrawable at once. */
export function initializedStake(vault: PublicKey, lamports: bigint): AccountInfo<Uint8Array> {
  const d = Buffer.alloc(200);
  d.writeUInt32LE(1, 0);
  d.writeBigUInt64LE(2_282_880n, 4);
  vault.toBuffer().copy(d, 12);
  vault.toBuffer().copy(d, 44);
  return { lamports: Number(lamports), data: d, owner: StakeProgram.programId, executable: false };
}

export interface SolExecOptions {
  readonly rpcUrl: string;
  readonly vault: Keypair;
  readonly journal: PipelineJournal;
  readonly mode?: 'live' | 'dry-run';
  readonly maxMicroLamportsPerCu?: bigint;
  readonly maxWaitMs?: number;
  readonly pollIntervalMs?: number;
  /** A Jupiter Swap API base URL (a loopback double) for 'buy'/'sell' legs. */
  readonly jupiterUrl?: string;
  /** More assets: mint and venue by asset id. */
  readonly assets?: Readonly<Record<string, { mint: string; venue?: SolAssetVenue }>>;
  /** More mints for the policy's `mints` (the vault's token accounts for them count as its own), e.g. a test VRT. */
  readonly policyMints?: readonly string[];
}

export function makeSolExecutor(o: SolExecOptions): ChainExecutor<SolTxPayload> {
  const connection = new Connection(o.rpcUrl, { commitment: 'confirmed' });
  const text = readFileSync(POLICY_FILE, 'utf8').replace('11111111111111111111111111111112', o.vault.publicKey.toBase58()).replace('mints: [', `mints: [${(o.policyMints ?? []).map((m) => `${m}, `).join('')}`);
  const policy = parseSolPolicy(text, POLICY_FILE);
  const mints: Record<string, string> = { WSOL: NATIVE_MINT.toBase58(), JitoSOL: 'J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn' };
  const venues: Record<string, SolAssetVenue> = { JitoSOL: { kind: 'spl-stake-pool', program: 'SPoo1Ku8WFXoNDMHPsrGSTSG1Y47rzgn41SLUNakuHy', pool: 'Jito4APyf642JPZPx3hGc6WWJ8zPKtRbRs4P815Awbb', slippageInstructions: true } };
  for (const [id, a] of Object.entries(o.assets ?? {})) {
    mints[id] = a.mint;
    if (a.venue) venues[id] = a.venue;
  }
  const pendingOnChain = solanaPendingReader({ connection, vault: o.vault.publicKey, nativeAsset: 'SOL', mints, venues, commitment: 'confirmed' });
  const adapter = new SolanaAdapter({
    connection,
    vault: o.vault.publicKey,
    signer: o.mode === 'dry-run' ? undefined : o.vault,
    builders: [...solanaBuilders(o.jupiterUrl ? jupiterApi({ baseUrl: o.jupiterUrl }) : undefined), wrapBuilder],
    buildContext: { baseAsset: 'SOL', mints, venues, maxSlippage: 0.005 },
    policy,
    commitment: 'confirmed',
    fees: { percentile: 75, maxMicroLamportsPerCu: o.maxMicroLamportsPerCu ?? 100_000n, minMicroLamportsPerCu: 1n },
    computeUnitMargin: 0.2,
    maxComputeUnits: 1_400_000,
    cluster: 'solana:test',
  });
  return new ChainExecutor<SolTxPayload>({
    mode: o.mode ?? 'live',
    journal: o.journal,
    adapter,
    balances: { ...solanaBalances(connection, o.vault.publicKey, 'SOL', mints, 'confirmed', false, venues), pending: (_u, now) => pendingOnChain(now) },
    vaultName: 'sol-test',
    nativeAsset: 'SOL',
    tolerance: 0.001,
    pipeline: { confirmations: 1, pollIntervalMs: o.pollIntervalMs ?? 50, replaceAfterMs: 60_000, maxReplacements: 3, maxWaitMs: o.maxWaitMs ?? 20_000 },
  });
}
