import { PublicKey, VersionedTransaction } from '@solana/web3.js';
import { Clock, start } from 'solana-bankrun';
import { base58 } from '../../../src/chains/solana/solana-adapter.js';
import type { ProgramDouble } from '../stake-pool-double.js';
import type { SvmClock } from '../double-kit.js';
import { getProgramAccounts, type ProgramAccountsConfig } from '../svm-program-accounts.js';
import { IN_DOUBLED_TX, SVM_DOUBLES } from '../svm-doubles.js';
import { feeOf, lookupsOf, runDoubled } from './doubled-run.js';
import { accountJson, transactionJson, type Landed } from './landed.js';
import { fromWire, toWire, type ServerConfig, type WireClock } from './wire.js';

type Json = Record<string, unknown>;
export type Methods = Record<string, (params: unknown[]) => Promise<unknown>>;

/**
 * The chain the SVM server child serves: solana-bankrun (the real System, Token, ATA and Stake
 * programs) plus the TypeScript program doubles of svm-doubles.ts. It answers the JSON-RPC methods the
 * Solana adapter uses, keeping every landed transaction's status, fee and balances, and the `test_*`
 * control methods the tests drive the failure cases with: drop the next sends (accepted, never
 * processed), set the recent prioritization fees, advance block height, set accounts and the clock.
 */
export async function startChain(cfg: ServerConfig): Promise<{ methods: Methods; stop(): Promise<void> }> {
  const context = await start([], cfg.accounts.map((w) => {
    const { address, account } = fromWire(w);
    return { address, info: { ...account, lamports: Number(account.lamports) } };
  }));
  const c = context.banksClient;
  const landed = new Map<string, Landed>();
  const processed: string[] = [];
  const sends: string[] = [];
  const refusals: string[] = [];
  let drop = 0;
  let fees: number[] = [0];

  // bankrun is used by one caller at a time: every method, and every block the ticker produces, runs
  // alone (exclusive). With blocks warped (warpToSlot is synchronous and takes the bank's locks) while
  // banks calls were in flight on bankrun's own threads, it deadlocked now and then: every thread asleep
  // on a futex, for good (3 of 8 crash-test runs here; the exact lock is not known). None since. bankrun
  // 0.4 also panics on warpToSlot after setAccount, so from the first doubled transaction (or set
  // account) on the chain stops producing blocks.
  let queue: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(f: () => Promise<T>): Promise<T> => {
    const run = queue.then(f);
    queue = run.catch(() => undefined);
    return run;
  };
  let frozen = false;
  /** Only inside exclusive(). */
  const nextBlock = async (): Promise<void> => {
    if (!frozen) context.warpToSlot((await c.getSlot()) + 1n);
  };
  let clockNow: SvmClock = { slot: 0n, epoch: 0n, epochStartTimestamp: 0n, unixTimestamp: 0n };
  const clock = () => clockNow;
  const enabled = new Set(cfg.doubles ?? SVM_DOUBLES.map((r) => r.program));
  const unknown = [...enabled].filter((p) => !SVM_DOUBLES.some((r) => r.program === p));
  if (unknown.length) throw new Error(`no program double registered in svm-doubles.ts for ${unknown.join(', ')}`);
  const doubles = new Map<string, ProgramDouble>(SVM_DOUBLES.filter((r) => enabled.has(r.program)).map((r) => [r.program, r.make(clock)]));
  const inDoubledTx = new Map<string, ProgramDouble>(IN_DOUBLED_TX.map((r) => [r.program, r.make(clock)]));
  // bankrun cannot list accounts: getProgramAccounts scans every address the chain has seen (seeded, set or in a landed transaction).
  const known = new Set(cfg.accounts.map((a) => a.address));
  const isDoubled = (tx: VersionedTransaction) => tx.message.compiledInstructions.some((ix) => doubles.has(tx.message.staticAccountKeys[ix.programIdIndex]?.toBase58() ?? ''));
  const doubled = async (tx: VersionedTransaction, commit: boolean) => {
    const k = await c.getClock();
    clockNow = { slot: k.slot, epoch: k.epoch, epochStartTimestamp: k.epochStartTimestamp, unixTimestamp: k.unixTimestamp };
    if (commit) frozen = true;
    return runDoubled(context, doubles, inDoubledTx, tx, commit);
  };

  const slot = async () => Number(await c.getSlot());
  // The clock's slot (setClock moves it without a warp, which bankrun cannot do after setAccount).
  const ctxOf = async () => ({ slot: Number((await c.getClock()).slot) });
  const lamportsOf = (keys: PublicKey[]) => Promise.all(keys.map(async (k) => Number((await c.getAccount(k))?.lamports ?? 0)));

  async function send(raw: Buffer): Promise<string> {
    const tx = VersionedTransaction.deserialize(raw);
    const sig = base58(tx.signatures[0] as Uint8Array);
    sends.push(sig);
    if (drop > 0) {
      drop--;
      return sig; // accepted by "the node", never reaches a leader
    }
    if (landed.has(sig)) return sig;
    const keys = [...tx.message.staticAccountKeys, ...(await lookupsOf(c, tx))];
    for (const k of keys) known.add(k.toBase58());
    const pre = await lamportsOf(keys);
    if (isDoubled(tx)) {
      const r = await doubled(tx, true);
      landed.set(sig, { slot: await slot(), err: r.err ? { message: r.err } : null, fee: feeOf(tx), keys: keys.map((k) => k.toBase58()), pre, post: r.keys.map((k) => Number(r.overlay.get(k.toBase58())?.lamports ?? 0)), tx, logs: r.err ? [r.err] : [] });
      if (!r.err) processed.push(sig);
      return sig;
    }
    const r = await c.tryProcessTransaction(tx);
    if (r.result && /already been processed/.test(r.result)) return sig;
    if (r.result && /Blockhash not found|BlockhashNotFound/i.test(r.result)) {
      refusals.push(`${sig}: ${r.result}`);
      throw Object.assign(new Error('Transaction simulation failed: Blockhash not found'), { rpc: -32002 });
    }
    const post = await lamportsOf(keys);
    landed.set(sig, { slot: await slot(), err: r.result ? { InstructionError: [0, { Custom: 0 }], message: r.result } : null, fee: feeOf(tx), keys: keys.map((k) => k.toBase58()), pre, post, tx, logs: r.meta?.logMessages ?? [] });
    if (!r.result) processed.push(sig);
    await nextBlock(); // every landed transaction is in its own block
    return sig;
  }

  async function simulate(b64: string, cfgJson: Json | undefined) {
    const tx = VersionedTransaction.deserialize(Buffer.from(b64, 'base64'));
    if (cfgJson?.replaceRecentBlockhash) tx.message.recentBlockhash = ((await c.getLatestBlockhash()) ?? [''])[0];
    const wanted = (cfgJson?.accounts as { addresses?: string[] } | undefined)?.addresses;
    if (isDoubled(tx)) {
      const d = await doubled(tx, false);
      const accs = wanted ? wanted.map((k) => {
        const a = d.overlay.get(k);
        return a ? accountJson({ lamports: a.lamports, data: a.data, owner: a.owner, executable: false }) : null;
      }) : null;
      return { context: await ctxOf(), value: { err: d.err ? { message: d.err } : null, logs: d.err ? [d.err] : [], unitsConsumed: 60_000, accounts: accs, returnData: null } };
    }
    const r = await c.simulateTransaction(tx);
    // bankrun returns no post-state: report the accounts as they are (tests here use programs that enforce their own minimums).
    const accs = wanted ? await Promise.all(wanted.map(async (k) => accountJson(await c.getAccount(new PublicKey(k))))) : null;
    return { context: await ctxOf(), value: { err: r.result ? { message: r.result } : null, logs: r.meta?.logMessages ?? [], unitsConsumed: Number(r.meta?.computeUnitsConsumed ?? 0), accounts: accs, returnData: null } };
  }

  const methods: Methods = {
    getLatestBlockhash: async () => {
      // A cluster accepts a blockhash for 150 blocks (MAX_PROCESSING_AGE) and RPC nodes say so; bankrun
      // reports the 300-entry queue length instead, so the endpoint answers as a node would.
      const [blockhash] = (await c.getLatestBlockhash()) ?? [''];
      return { context: await ctxOf(), value: { blockhash, lastValidBlockHeight: Number(await c.getBlockHeight()) + 150 } };
    },
    getBlockHeight: async () => Number(await c.getBlockHeight()),
    getSlot: async () => slot(),
    getEpochInfo: async () => {
      const clock = await c.getClock();
      return { absoluteSlot: Number(clock.slot), blockHeight: Number(await c.getBlockHeight()), epoch: Number(clock.epoch), slotIndex: 0, slotsInEpoch: 432000, transactionCount: processed.length };
    },
    getMultipleAccounts: async ([keys]) => ({ context: await ctxOf(), value: await Promise.all((keys as string[]).map(async (k) => accountJson(await c.getAccount(new PublicKey(k))))) }),
    getAccountInfo: async ([k]) => ({ context: await ctxOf(), value: accountJson(await c.getAccount(new PublicKey(k as string))) }),
    getProgramAccounts: async ([program, pcfg]) => getProgramAccounts(c, known, program as string, pcfg as ProgramAccountsConfig | undefined, accountJson),
    getBalance: async ([k]) => ({ context: await ctxOf(), value: Number(await c.getBalance(new PublicKey(k as string))) }),
    getMinimumBalanceForRentExemption: async ([size]) => Number((await c.getRent()).minimumBalance(BigInt(size as number))),
    getRecentPrioritizationFees: async () => fees.map((f, i) => ({ slot: i + 1, prioritizationFee: f })),
    sendTransaction: async ([b64]) => send(Buffer.from(b64 as string, 'base64')),
    simulateTransaction: async ([b64, cfgJson]) => simulate(b64 as string, cfgJson as Json | undefined),
    getSignatureStatuses: async ([sigs]) => ({
      context: await ctxOf(),
      value: (sigs as string[]).map((s) => {
        const l = landed.get(s);
        return l ? { slot: l.slot, confirmations: null, err: l.err, status: l.err ? { Err: l.err } : { Ok: null }, confirmationStatus: 'finalized' } : null;
      }),
    }),
    getTransaction: async ([s]) => {
      const l = landed.get(s as string);
      return l ? transactionJson(l) : null;
    },

    // The tests' control API (never called by the keeper).
    test_ping: async () => 'pong',
    test_log: async () => ({ processed, sends, refusals }),
    test_dropNextSends: async ([n]) => void (drop = n as number),
    test_setPriorityFees: async ([f]) => void (fees = [...(f as number[])]),
    test_advance: async ([blocks]) => {
      for (let i = 0; i < (blocks as number); i++) await nextBlock();
    },
    test_getAccount: async ([k]) => {
      const a = await c.getAccount(new PublicKey(k as string));
      return a ? toWire(new PublicKey(k as string), { ...a, lamports: a.lamports }) : null;
    },
    test_setAccount: async ([w]) => {
      const { address, account } = fromWire(w as Parameters<typeof fromWire>[0]);
      known.add(address.toBase58());
      frozen = true;
      context.setAccount(address, { ...account, lamports: Number(account.lamports) });
    },
    test_setClock: async ([w]) => {
      const k = w as WireClock;
      context.setClock(new Clock(BigInt(k.slot), BigInt(k.epochStartTimestamp), BigInt(k.epoch), BigInt(k.leaderScheduleEpoch), BigInt(k.unixTimestamp)));
    },
  };

  let ticking = false;
  const ticker = cfg.blockTimeMs
    ? setInterval(() => {
        if (frozen || ticking) return; // a block waiting its turn already
        ticking = true;
        void exclusive(nextBlock).finally(() => (ticking = false));
      }, cfg.blockTimeMs)
    : undefined;
  const served: Methods = Object.fromEntries(Object.entries(methods).map(([name, f]) => [name, (params: unknown[]) => exclusive(() => f(params))]));
  return {
    methods: served,
    stop: async () => {
      if (ticker) clearInterval(ticker);
      await queue;
    },
  };
}
