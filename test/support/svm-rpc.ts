import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ComputeBudgetProgram, PublicKey, StakeProgram, SystemProgram, VersionedTransaction, type AccountInfo } from '@solana/web3.js';
import { start, type ProgramTestContext } from 'solana-bankrun';
import { createPublicKey, verify } from 'node:crypto';
import { base58 } from '../../src/chains/solana/solana-adapter.js';
import { ataDouble, ProgramError, type DoubleAccount, type ProgramDouble } from './stake-pool-double.js';
import { systemDouble } from './system-double.js';
import { stakeDeactivateDouble } from './stake-pool-withdraw-double.js';
import { getProgramAccounts, type ProgramAccountsConfig } from './svm-program-accounts.js';

const ATA_PROGRAM = 'ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL';

/**
 * A loopback Solana JSON-RPC endpoint over solana-bankrun: the real System, Token, ATA and Stake programs,
 * served to an unmodified @solana/web3.js Connection over HTTP, so a keeper in another process talks to
 * it exactly as to a node and can be SIGKILLed while the chain lives on in the test process. It answers
 * the methods the Solana adapter uses, keeps every processed transaction's status, fee and balances (for
 * getSignatureStatuses / getTransaction), and has switches for the failure cases: drop the next sends
 * (accepted, never processed), set the recent prioritization fees, advance block height.
 */
export interface SvmRpc {
  readonly url: string;
  readonly context: ProgramTestContext;
  /** Signatures processed successfully, in order (a double execution shows as two of the same action). */
  readonly processed: string[];
  /** Raw sendTransaction calls received (including dropped and duplicate ones). */
  readonly sends: string[];
  /** Sends the "node" refused, with the reason. */
  readonly refusals: string[];
  dropNextSends(n: number): void;
  setPriorityFees(fees: readonly number[]): void;
  /** Advance the chain by `blocks` blocks (one slot each). */
  advance(blocks: number): Promise<void>;
  close(): Promise<void>;
}

interface Landed {
  readonly slot: number;
  readonly err: unknown;
  readonly fee: number;
  readonly keys: string[];
  readonly pre: number[];
  readonly post: number[];
  readonly tx: VersionedTransaction;
  readonly logs: string[];
}

type Json = Record<string, unknown>;

function feeOf(tx: VersionedTransaction): number {
  let units = 200_000 * tx.message.compiledInstructions.length;
  let price = 0n;
  const keys = tx.message.staticAccountKeys;
  for (const ix of tx.message.compiledInstructions) {
    if (!keys[ix.programIdIndex]?.equals(ComputeBudgetProgram.programId)) continue;
    const d = Buffer.from(ix.data);
    if (d[0] === 2) units = d.readUInt32LE(1);
    if (d[0] === 3) price = d.readBigUInt64LE(1);
  }
  return 5000 * tx.message.header.numRequiredSignatures + Number((BigInt(units) * price + 999_999n) / 1_000_000n);
}

export interface SvmRpcOptions {
  /**
   * Produce a block every this many ms, as a cluster does whether or not anything lands (without it the
   * chain only moves when a transaction lands or the test advances it). bankrun may refuse a blockhash as
   * not found before the height RPC reports as its last valid one; with blocks coming, such a transaction
   * expires by height and is re-signed, as it would be on a cluster.
   */
  readonly blockTimeMs?: number | undefined;
  /**
   * TypeScript doubles by program id (stake-pool-double.ts). A transaction calling one runs entirely in
   * TypeScript (signatures verified, compute budget and ATA instructions included) and its accounts are
   * written back with setAccount. bankrun 0.4 panics on warpToSlot after setAccount, so from the first
   * doubled transaction on the chain stops producing blocks.
   */
  readonly doubles?: ReadonlyMap<string, ProgramDouble> | undefined;
}

export async function startSvmRpc(accounts: ReadonlyArray<{ address: PublicKey; info: AccountInfo<Uint8Array> }>, opts: SvmRpcOptions = {}): Promise<SvmRpc> {
  const context = await start([], accounts.map((a) => ({ address: a.address, info: a.info })));
  const c = context.banksClient;
  const landed = new Map<string, Landed>();
  const processed: string[] = [];
  const sends: string[] = [];
  const refusals: string[] = [];
  let drop = 0;
  let fees: number[] = [0];

  // One block at a time: the ticker, a landing and advance() must not warp to the same slot.
  let warping: Promise<void> = Promise.resolve();
  let frozen = false;
  const nextBlock = (): Promise<void> => {
    warping = warping.then(async () => {
      if (!frozen) context.warpToSlot((await c.getSlot()) + 1n);
    });
    return warping;
  };
  const doubles = opts.doubles ?? new Map<string, ProgramDouble>();
  // bankrun cannot list accounts: getProgramAccounts scans every address the endpoint has seen (seeded or in a landed transaction).
  const known = new Set(accounts.map((a) => a.address.toBase58()));
  const isDoubled = (tx: VersionedTransaction) => tx.message.compiledInstructions.some((ix) => doubles.has(tx.message.staticAccountKeys[ix.programIdIndex]?.toBase58() ?? ''));

  /** Runs a transaction calling a double, in TypeScript, on an overlay of the chain's accounts. */
  async function runDoubled(tx: VersionedTransaction, commit: boolean): Promise<{ err: string | null; overlay: Map<string, DoubleAccount>; keys: PublicKey[] }> {
    const m = tx.message;
    const keys = [...m.staticAccountKeys, ...(await lookupsOf(tx))];
    const overlay = new Map<string, DoubleAccount>();
    for (const k of keys) {
      const a = await c.getAccount(k);
      overlay.set(k.toBase58(), a ? { lamports: BigInt(a.lamports), data: Buffer.from(a.data), owner: a.owner } : { lamports: 0n, data: Buffer.alloc(0), owner: SystemProgram.programId });
    }
    const store = { get: (k: PublicKey) => overlay.get(k.toBase58()), set: (k: PublicKey, a: DoubleAccount) => void overlay.set(k.toBase58(), a) };
    const h = m.header;
    const signer = (i: number) => i < h.numRequiredSignatures;
    const writable = (i: number) => (i >= m.staticAccountKeys.length ? i < m.staticAccountKeys.length + m.addressTableLookups.reduce((n, x) => n + x.writableIndexes.length, 0) : i < h.numRequiredSignatures ? i < h.numRequiredSignatures - h.numReadonlySignedAccounts : i < m.staticAccountKeys.length - h.numReadonlyUnsignedAccounts);
    let err: string | null = null;
    if (commit) {
      const bytes = Buffer.from(m.serialize());
      for (let i = 0; i < h.numRequiredSignatures; i++) {
        const pub = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), (keys[i] as PublicKey).toBuffer()]), format: 'der', type: 'spki' });
        if (!verify(null, bytes, pub, Buffer.from(tx.signatures[i] as Uint8Array))) return { err: 'signature verification failed', overlay, keys };
      }
    }
    const epochNow = (await c.getClock()).epoch;
    const payer = overlay.get((keys[0] as PublicKey).toBase58()) as DoubleAccount;
    payer.lamports -= BigInt(feeOf(tx));
    const afterFee = new Map([...overlay].map(([k, v]) => [k, { ...v, data: Buffer.from(v.data) }]));
    try {
      for (const [n, ix] of m.compiledInstructions.entries()) {
        const program = keys[ix.programIdIndex] as PublicKey;
        const dix = { program, accounts: ix.accountKeyIndexes.map((i) => ({ key: keys[i] as PublicKey, signer: signer(i), writable: writable(i) })), data: Buffer.from(ix.data) };
        const d = doubles.get(program.toBase58());
        try {
          if (d) d(dix, store);
          else if (program.equals(ComputeBudgetProgram.programId)) continue;
          else if (program.toBase58() === ATA_PROGRAM) ataDouble(dix, store);
          else if (program.equals(SystemProgram.programId)) systemDouble(dix, store);
          else if (program.equals(StakeProgram.programId)) stakeDeactivateDouble(epochNow)(dix, store);
          else throw new ProgramError(`program ${program.toBase58()} cannot run in a doubled transaction`);
        } catch (e) {
          throw new ProgramError(`instruction ${n}: ${(e as Error).message}`);
        }
      }
    } catch (e) {
      if (!(e instanceof ProgramError)) throw e;
      err = e.message;
      overlay.clear();
      for (const [k, v] of afterFee) overlay.set(k, v); // a failed transaction still pays its fee
    }
    if (commit) {
      frozen = true;
      for (const [k, v] of overlay) context.setAccount(new PublicKey(k), { lamports: Number(v.lamports), data: v.data, owner: v.owner, executable: false });
    }
    return { err, overlay, keys };
  }
  const accountJson = (a: { lamports: number | bigint; data: Uint8Array; owner: PublicKey; executable: boolean } | null) =>
    a ? { lamports: Number(a.lamports), data: [Buffer.from(a.data).toString('base64'), 'base64'], owner: a.owner.toBase58(), executable: a.executable, rentEpoch: 0, space: a.data.length } : null;
  const slot = async () => Number(await c.getSlot());
  // The clock's slot (setClock moves it without a warp, which bankrun cannot do after setAccount).
  const ctxOf = async () => ({ slot: Number((await c.getClock()).slot) });

  async function lookupsOf(tx: VersionedTransaction): Promise<PublicKey[]> {
    const out: PublicKey[] = [];
    for (const l of tx.message.addressTableLookups) {
      const acc = await c.getAccount(l.accountKey);
      if (!acc) throw new Error(`lookup table ${l.accountKey.toBase58()} missing`);
      const addrs = Buffer.from(acc.data).subarray(56);
      const at = (i: number) => new PublicKey(addrs.subarray(i * 32, i * 32 + 32));
      out.push(...l.writableIndexes.map(at));
      for (const i of l.readonlyIndexes) out.push(at(i));
    }
    return out;
  }

  async function send(raw: Buffer): Promise<string> {
    const tx = VersionedTransaction.deserialize(raw);
    const sig = base58(tx.signatures[0] as Uint8Array);
    sends.push(sig);
    if (drop > 0) {
      drop--;
      return sig; // accepted by "the node", never reaches a leader
    }
    if (landed.has(sig)) return sig;
    for (const k of [...tx.message.staticAccountKeys, ...(await lookupsOf(tx))]) known.add(k.toBase58());
    if (isDoubled(tx)) {
      const keysD = [...tx.message.staticAccountKeys, ...(await lookupsOf(tx))];
      const preD = await Promise.all(keysD.map(async (k) => Number((await c.getAccount(k))?.lamports ?? 0)));
      const r = await runDoubled(tx, true);
      landed.set(sig, { slot: await slot(), err: r.err ? { message: r.err } : null, fee: feeOf(tx), keys: keysD.map((k) => k.toBase58()), pre: preD, post: r.keys.map((k) => Number(r.overlay.get(k.toBase58())?.lamports ?? 0)), tx, logs: r.err ? [r.err] : [] });
      if (!r.err) processed.push(sig);
      return sig;
    }
    const keys = [...tx.message.staticAccountKeys, ...(await lookupsOf(tx))];
    const balances = async () => Promise.all(keys.map(async (k) => Number((await c.getAccount(k))?.lamports ?? 0)));
    const pre = await balances();
    const r = await c.tryProcessTransaction(tx);
    if (r.result && /already been processed/.test(r.result)) return sig;
    if (r.result && /Blockhash not found|BlockhashNotFound/i.test(r.result)) refusals.push(`${sig}: ${r.result}`);
    if (r.result && /Blockhash not found|BlockhashNotFound/i.test(r.result)) throw Object.assign(new Error('Transaction simulation failed: Blockhash not found'), { rpc: -32002 });
    const post = await balances();
    landed.set(sig, { slot: await slot(), err: r.result ? { InstructionError: [0, { Custom: 0 }], message: r.result } : null, fee: feeOf(tx), keys: keys.map((k) => k.toBase58()), pre, post, tx, logs: r.meta?.logMessages ?? [] });
    if (!r.result) processed.push(sig);
    // Every landed transaction is in its own block.
    await nextBlock();
    return sig;
  }

  const methods: Record<string, (params: unknown[]) => Promise<unknown>> = {
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
    getProgramAccounts: async ([program, cfg]) => getProgramAccounts(c, known, program as string, cfg as ProgramAccountsConfig | undefined, accountJson),
    getBalance: async ([k]) => ({ context: await ctxOf(), value: Number(await c.getBalance(new PublicKey(k as string))) }),
    getMinimumBalanceForRentExemption: async ([size]) => Number((await c.getRent()).minimumBalance(BigInt(size as number))),
    getRecentPrioritizationFees: async () => fees.map((f, i) => ({ slot: i + 1, prioritizationFee: f })),
    sendTransaction: async ([b64]) => send(Buffer.from(b64 as string, 'base64')),
    simulateTransaction: async ([b64, cfg]) => {
      const tx = VersionedTransaction.deserialize(Buffer.from(b64 as string, 'base64'));
      if ((cfg as Json | undefined)?.replaceRecentBlockhash) tx.message.recentBlockhash = ((await c.getLatestBlockhash()) ?? [''])[0];
      const wanted0 = ((cfg as Json | undefined)?.accounts as { addresses?: string[] } | undefined)?.addresses;
      if (isDoubled(tx)) {
        const d = await runDoubled(tx, false);
        const accs = wanted0 ? wanted0.map((k) => {
          const a = d.overlay.get(k);
          return a ? accountJson({ lamports: a.lamports, data: a.data, owner: a.owner, executable: false }) : null;
        }) : null;
        return { context: await ctxOf(), value: { err: d.err ? { message: d.err } : null, logs: d.err ? [d.err] : [], unitsConsumed: 60_000, accounts: accs, returnData: null } };
      }
      const r = await c.simulateTransaction(tx);
      const wanted = ((cfg as Json | undefined)?.accounts as { addresses?: string[] } | undefined)?.addresses;
      // bankrun returns no post-state: report the accounts as they are (tests here use programs that enforce their own minimums).
      const accs = wanted ? await Promise.all(wanted.map(async (k) => accountJson(await c.getAccount(new PublicKey(k))))) : null;
      return { context: await ctxOf(), value: { err: r.result ? { message: r.result } : null, logs: r.meta?.logMessages ?? [], unitsConsumed: Number(r.meta?.computeUnitsConsumed ?? 0), accounts: accs, returnData: null } };
    },
    getSignatureStatuses: async ([sigs]) => ({
      context: await ctxOf(),
      value: (sigs as string[]).map((s) => {
        const l = landed.get(s);
        return l ? { slot: l.slot, confirmations: null, err: l.err, status: l.err ? { Err: l.err } : { Ok: null }, confirmationStatus: 'finalized' } : null;
      }),
    }),
    getTransaction: async ([s]) => {
      const l = landed.get(s as string);
      if (!l) return null;
      const m = l.tx.message;
      return {
        slot: l.slot,
        blockTime: null,
        version: 0,
        transaction: {
          signatures: l.tx.signatures.map((x) => base58(x)),
          message: {
            header: m.header,
            accountKeys: m.staticAccountKeys.map((k) => k.toBase58()),
            recentBlockhash: m.recentBlockhash,
            instructions: m.compiledInstructions.map((ix) => ({ programIdIndex: ix.programIdIndex, accounts: [...ix.accountKeyIndexes], data: base58(ix.data), stackHeight: null })),
            addressTableLookups: m.addressTableLookups.map((x) => ({ accountKey: x.accountKey.toBase58(), writableIndexes: [...x.writableIndexes], readonlyIndexes: [...x.readonlyIndexes] })),
          },
        },
        meta: {
          err: l.err, fee: l.fee, preBalances: l.pre, postBalances: l.post, innerInstructions: [], logMessages: l.logs, preTokenBalances: [], postTokenBalances: [], rewards: [],
          loadedAddresses: { writable: l.keys.slice(m.staticAccountKeys.length, m.staticAccountKeys.length + m.addressTableLookups.reduce((n, x) => n + x.writableIndexes.length, 0)), readonly: l.keys.slice(m.staticAccountKeys.length + m.addressTableLookups.reduce((n, x) => n + x.writableIndexes.length, 0)) },
          status: l.err ? { Err: l.err } : { Ok: null },
        },
      };
    },
  };

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      void (async () => {
        const q = JSON.parse(body) as { id: unknown; method: string; params?: unknown[] };
        const f = methods[q.method];
        let reply: Json;
        if (!f) reply = { jsonrpc: '2.0', id: q.id, error: { code: -32601, message: `method ${q.method} not served by the test endpoint` } };
        else {
          try {
            reply = { jsonrpc: '2.0', id: q.id, result: await f(q.params ?? []) };
          } catch (e) {
            reply = { jsonrpc: '2.0', id: q.id, error: { code: (e as { rpc?: number }).rpc ?? -32000, message: (e as Error).message } };
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(reply));
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const ticker = opts.blockTimeMs
    ? setInterval(() => {
        if (!frozen) void nextBlock();
      }, opts.blockTimeMs)
    : undefined;
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    context,
    processed,
    sends,
    refusals,
    dropNextSends: (n) => {
      drop = n;
    },
    setPriorityFees: (f) => {
      fees = [...f];
    },
    advance: async (blocks) => {
      for (let i = 0; i < blocks; i++) await nextBlock();
    },
    close: () => {
      if (ticker) clearInterval(ticker);
      return warping.then(() => new Promise<void>((r) => server.close(() => r())));
    },
  };
}
