import { Configuration, SwapApi } from '@jup-ag/api';
import { PublicKey, TransactionInstruction } from '@solana/web3.js';
import { z } from 'zod';
import type { PlannedAction } from '../../../domain/action.js';
import { QuoteResponseSchema } from '../../../sources/jupiter/jupiter-quote-source.js';
import { slippageFloor } from '../../build-error.js';
import { BuildError, mintOf, requirePositive, sol } from './common.js';
import { vaultAta, NATIVE_MINT } from './plumbing.js';
import type { SolBuildContext, SolProtocolBuilder, SolTxIntent } from './types.js';
import { refuseForeignWrappedSol, wrappedSolAta } from './wrapped-sol-guard.js';

/**
 * Jupiter swaps through @jup-ag/api: quote, then swap-instructions for the vault as user, with our own
 * base path and fetch (the client is built like the Jupiter source's: `new SwapApi(new Configuration(…))`,
 * never createJupiterApiClient, which overwrites the base path). Responses are validated before use. The
 * returned instructions are only data here: the policy guard decodes the compiled message and checks
 * the route's programs, its destination and its minimum out itself. Jupiter's own compute-budget
 * instructions are dropped: the adapter sets the budget from simulation and fee history.
 */
const InstructionSchema = z.object({
  programId: z.string(),
  accounts: z.array(z.object({ pubkey: z.string(), isSigner: z.boolean(), isWritable: z.boolean() })),
  data: z.string(),
});
export const SwapInstructionsSchema = z.object({
  computeBudgetInstructions: z.array(InstructionSchema).optional(),
  setupInstructions: z.array(InstructionSchema),
  swapInstruction: InstructionSchema,
  cleanupInstruction: InstructionSchema.nullish(),
  otherInstructions: z.array(InstructionSchema).optional(),
  addressLookupTableAddresses: z.array(z.string()),
});
export type JupiterInstruction = z.infer<typeof InstructionSchema>;

export interface JupiterRoute {
  readonly inAmount: bigint;
  readonly outAmount: bigint;
  /** The route's own minimum out (ExactIn: otherAmountThreshold). */
  readonly minOut: bigint;
  readonly inputMint: string;
  readonly outputMint: string;
  readonly instructions: readonly JupiterInstruction[];
  readonly lookupTables: readonly string[];
}

export interface JupiterClientConfig {
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  readonly fetchApi?: typeof fetch | undefined;
  readonly timeoutMs?: number | undefined;
}

export function jupiterApi(cfg: JupiterClientConfig): SwapApi {
  return new SwapApi(new Configuration({ basePath: cfg.baseUrl, ...(cfg.fetchApi ? { fetchApi: cfg.fetchApi } : {}), ...(cfg.apiKey ? { headers: { 'x-api-key': cfg.apiKey } } : {}) }));
}

function mintFor(ctx: SolBuildContext, asset: string, action: PlannedAction): PublicKey {
  return asset === ctx.baseAsset ? NATIVE_MINT : mintOf(ctx, asset, action);
}

/** Fetches a route for the action: quote (ExactIn, the slippage bound in bps) then swap-instructions for the vault. */
export async function fetchRoute(api: SwapApi, action: PlannedAction, ctx: SolBuildContext, timeoutMs = 10_000): Promise<JupiterRoute> {
  const inputMint = mintFor(ctx, action.from, action).toBase58();
  const outputMint = mintFor(ctx, action.to, action).toBase58();
  const slippageBps = Math.floor(ctx.maxSlippage * 10_000);
  const signal = () => AbortSignal.timeout(timeoutMs);
  const q = await api.quoteGetRaw({ inputMint, outputMint, amount: action.amountIn as unknown as number, slippageBps, swapMode: 'ExactIn' }, { signal: signal() });
  const quoteBody: unknown = await q.raw.json();
  const quote = QuoteResponseSchema.safeParse(quoteBody);
  if (!quote.success) throw new BuildError(`Jupiter quote response is malformed: ${quote.error.issues[0]?.message ?? 'invalid'}`, action);
  if (quote.data.inputMint !== inputMint || quote.data.outputMint !== outputMint || BigInt(quote.data.inAmount) !== action.amountIn) throw new BuildError('Jupiter quoted a different swap than asked', action);
  const s = await api.swapInstructionsPostRaw(
    { swapRequest: { userPublicKey: ctx.vault.toBase58(), quoteResponse: quoteBody as never, wrapAndUnwrapSol: true } },
    { signal: signal() },
  );
  const ins = SwapInstructionsSchema.safeParse(await s.raw.json());
  if (!ins.success) throw new BuildError(`Jupiter swap-instructions response is malformed: ${ins.error.issues[0]?.message ?? 'invalid'}`, action);
  const d = ins.data;
  return {
    inAmount: BigInt(quote.data.inAmount),
    outAmount: BigInt(quote.data.outAmount),
    minOut: BigInt(quote.data.otherAmountThreshold),
    inputMint,
    outputMint,
    instructions: [...d.setupInstructions, d.swapInstruction, ...(d.cleanupInstruction ? [d.cleanupInstruction] : [])],
    lookupTables: d.addressLookupTableAddresses,
  };
}

export function toInstruction(i: JupiterInstruction): TransactionInstruction {
  return new TransactionInstruction({ programId: new PublicKey(i.programId), keys: i.accounts.map((a) => ({ pubkey: new PublicKey(a.pubkey), isSigner: a.isSigner, isWritable: a.isWritable })), data: Buffer.from(i.data, 'base64') });
}

function build(action: PlannedAction, ctx: SolBuildContext): SolTxIntent[] {
  requirePositive(action, action.amountIn);
  const route = ctx.routes?.[action.seq];
  if (!route) throw new BuildError('no Jupiter route: prepare must fetch one first', action);
  if (route.outAmount < action.minOut) throw new BuildError(`Jupiter quotes ${sol(route.outAmount)} ${action.to}, below the planned minimum ${sol(action.minOut)}: the market moved past the slippage bound`, action);
  const floor = slippageFloor(route.outAmount, ctx.maxSlippage, action);
  const needed = floor > action.minOut ? floor : action.minOut;
  if (route.minOut < needed) throw new BuildError(`the route's minimum out ${sol(route.minOut)} is below quote × (1 − slippage) = ${sol(needed)}`, action);
  const toSol = action.to === ctx.baseAsset;
  const destination = toSol ? ctx.vault : vaultAta(ctx, new PublicKey(route.outputMint));
  return [
    {
      instructions: route.instructions.map(toInstruction),
      description: `swap ${sol(action.amountIn)} ${action.from} for ≥ ${sol(route.minOut)} ${action.to} through Jupiter (quoted ${sol(route.outAmount)})`,
      valueAtRiskLamports: action.from === ctx.baseAsset ? action.amountIn : toSol ? route.outAmount : 0n,
      lookupTables: route.lookupTables,
      slippage: { minOut: route.minOut, quotedOut: route.outAmount, destination: destination.toBase58(), enforcedOnChain: true },
    },
  ];
}

export function jupiterBuilder(api: SwapApi | undefined): SolProtocolBuilder {
  return {
    protocol: 'jupiter',
    supports: (a) => (a.kind === 'buy' || a.kind === 'sell') && /jupiter/i.test(a.venue),
    async prepare(action, ctx, chain) {
      if (!api) throw new BuildError('no Jupiter API configured (execution.solana.jupiter)', action);
      // wrapAndUnwrapSol: a route into or out of SOL ends by closing the vault's wrapped-SOL account.
      if (action.from === ctx.baseAsset || action.to === ctx.baseAsset) {
        const wsol = wrappedSolAta(ctx);
        refuseForeignWrappedSol((await chain.readAccounts([wsol])).accounts.get(wsol.toBase58()), ctx, action);
      }
      const route = await fetchRoute(api, action, ctx);
      return { ...ctx, routes: { ...ctx.routes, [action.seq]: route } };
    },
    build,
  };
}
