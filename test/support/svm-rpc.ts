import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { AccountInfo, PublicKey } from '@solana/web3.js';
import { SVM_SERVER_BUNDLE } from './svm-server-bundle.js';
import { fromWire, READY_PREFIX, toWire, type ChainAccount, type ServerConfig, type WireClock } from './svm-server/wire.js';

/**
 * A loopback Solana JSON-RPC endpoint over solana-bankrun with the program doubles of svm-doubles.ts,
 * served by a child process of its own (svm-server/main.ts), so a keeper in yet another process talks to
 * it exactly as to a node and can be SIGKILLed while the chain lives on; and so a bankrun stall stays in
 * that child, where a timeout turns it into a failed test, never a stuck vitest run. The test talks to it
 * only over loopback: every call here has a timeout, and a server that stops answering is killed and
 * every later call fails, naming the call and quoting the child's stderr.
 */
export interface SvmRpc {
  readonly url: string;
  /** The server child's process id. */
  readonly pid: number;
  /** Signatures processed successfully, in order (a double execution shows as two of the same action). */
  processed(): Promise<string[]>;
  /** Raw sendTransaction calls received (including dropped and duplicate ones). */
  sends(): Promise<string[]>;
  /** Sends the "node" refused, with the reason. */
  refusals(): Promise<string[]>;
  dropNextSends(n: number): Promise<void>;
  setPriorityFees(fees: readonly number[]): Promise<void>;
  /** Advance the chain by `blocks` blocks (one slot each). */
  advance(blocks: number): Promise<void>;
  getAccount(address: PublicKey): Promise<ChainAccount | null>;
  /** Lamports of an account, 0 when it does not exist. */
  getBalance(address: PublicKey): Promise<bigint>;
  /** Writes an account (the chain stops producing blocks from then on: bankrun 0.4 cannot warp after it). */
  setAccount(address: PublicKey, info: AccountInfo<Uint8Array> | ChainAccount): Promise<void>;
  setClock(clock: { slot: bigint; epoch: bigint; epochStartTimestamp?: bigint; leaderScheduleEpoch?: bigint; unixTimestamp?: bigint }): Promise<void>;
  /** Resolves when the server answers; throws (and kills it) when it does not in time. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface SvmRpcOptions {
  /**
   * Produce a block every this many ms, as a cluster does whether or not anything lands (without it the
   * chain only moves when a transaction lands or the test advances it). bankrun may refuse a blockhash as
   * not found before the height RPC reports as its last valid one; with blocks coming, such a transaction
   * expires by height and is re-signed, as it would be on a cluster.
   */
  readonly blockTimeMs?: number | undefined;
  /** Program ids from svm-doubles.ts to serve (all of them when absent). */
  readonly doubles?: readonly string[] | undefined;
  /** How long the child may take to listen. */
  readonly startupTimeoutMs?: number | undefined;
  /** How long any one call from the test may take. */
  readonly callTimeoutMs?: number | undefined;
}

export class SvmServerError extends Error {
  override readonly name = 'SvmServerError';
}

/**
 * What a silent child's threads are doing (Linux /proc): a deadlock shows as every thread sleeping in
 * futex_wait, a busy loop as one running. Said in the error, since the child is killed right after.
 */
function threadStates(pid: number): string {
  try {
    const counts = new Map<string, number>();
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const state = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8').split(') ')[1]?.split(' ')[0] ?? '?';
      const wchan = readFileSync(`/proc/${pid}/task/${t}/wchan`, 'utf8').trim();
      const k = `${state}${wchan && wchan !== '0' ? ` ${wchan}` : ''}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return ` [threads: ${[...counts].map(([k, n]) => `${n}× ${k}`).join(', ')}]`;
  } catch {
    return '';
  }
}

const live = new Set<ChildProcessWithoutNullStreams>();
// A test process that exits (a failed file, a crashed worker) takes its chains with it; the child also
// watches its stdin and parent on its own.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

export async function startSvmRpc(accounts: ReadonlyArray<{ address: PublicKey; info: AccountInfo<Uint8Array> }>, opts: SvmRpcOptions = {}): Promise<SvmRpc> {
  if (!existsSync(SVM_SERVER_BUNDLE)) throw new SvmServerError(`the SVM server bundle ${SVM_SERVER_BUNDLE} is missing: run the tests through vitest (its globalSetup bundles it)`);
  const startupMs = opts.startupTimeoutMs ?? 45_000;
  const callMs = opts.callTimeoutMs ?? 20_000;
  const child = spawn(process.execPath, [SVM_SERVER_BUNDLE], { env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'error' }, stdio: ['pipe', 'pipe', 'pipe'] });
  live.add(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let dead: SvmServerError | undefined;
  let closing = false;
  const tail = () => (stderr.trim() ? `; its stderr ends:\n${stderr.trim()}` : '; it wrote nothing on stderr');
  const kill = (why: string): SvmServerError => {
    dead ??= new SvmServerError(`SVM server child (pid ${child.pid}) ${why}${tail()}`);
    child.kill('SIGKILL');
    live.delete(child);
    return dead;
  };
  // 'close', not 'exit': by then all of its stderr has been read.
  const closed = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      if (!closing && !dead) {
        kill(`exited unexpectedly (code ${code}, signal ${signal})`);
        process.stderr.write(`${dead!.message}\n`);
      }
      resolve();
    }),
  );
  child.stdin.on('error', () => undefined); // a child that died is reported by 'close'
  const cfg: ServerConfig = { accounts: accounts.map((a) => toWire(a.address, a.info)), blockTimeMs: opts.blockTimeMs, doubles: opts.doubles };
  child.stdin.write(`${JSON.stringify(cfg)}\n`); // stdin stays open: its close tells the child to exit

  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(kill(`did not listen within ${startupMs} ms`)), startupMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith(READY_PREFIX));
      if (!line) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve(Number(line.slice(READY_PREFIX.length)));
    };
    child.stdout.on('data', onData);
    child.once('close', () => {
      clearTimeout(timer);
      reject(dead ?? kill('exited before listening'));
    });
  });
  const url = `http://127.0.0.1:${port}`;
  let nextId = 1;

  async function call<T>(method: string, params: unknown[] = [], ms = callMs): Promise<T> {
    if (dead) throw dead;
    let body: { result?: T; error?: { message: string } };
    try {
      // The timeout covers the answer's body too.
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }), signal: AbortSignal.timeout(ms) });
      body = (await res.json()) as typeof body;
    } catch (e) {
      // A refused connection is most often a child that just died: let its exit be what is reported.
      if ((e as Error).name !== 'TimeoutError') await Promise.race([closed, new Promise((r) => setTimeout(r, 1_000).unref())]);
      if (dead) throw dead;
      const why = (e as Error).name === 'TimeoutError' ? `did not answer ${method} within ${ms} ms (killed)${threadStates(child.pid as number)}` : `could not be reached for ${method}: ${(e as Error).message} (killed)`;
      throw kill(why);
    }
    if (body.error) throw new SvmServerError(`SVM server refused ${method}: ${body.error.message}`);
    return body.result as T;
  }
  const log = () => call<{ processed: string[]; sends: string[]; refusals: string[] }>('test_log');

  return {
    url,
    pid: child.pid as number,
    processed: async () => (await log()).processed,
    sends: async () => (await log()).sends,
    refusals: async () => (await log()).refusals,
    dropNextSends: (n) => call('test_dropNextSends', [n]),
    setPriorityFees: (f) => call('test_setPriorityFees', [[...f]]),
    // Each block is a warp; many of them may take longer than one ordinary call.
    advance: (blocks) => call('test_advance', [blocks], callMs + blocks * 100),
    getAccount: async (k) => {
      const w = await call<Parameters<typeof fromWire>[0] | null>('test_getAccount', [k.toBase58()]);
      return w ? fromWire(w).account : null;
    },
    getBalance: async (k) => {
      const w = await call<Parameters<typeof fromWire>[0] | null>('test_getAccount', [k.toBase58()]);
      return w ? BigInt(w.lamports) : 0n;
    },
    setAccount: (k, info) => call('test_setAccount', [toWire(k, info)]),
    setClock: (k) => {
      const w: WireClock = { slot: String(k.slot), epoch: String(k.epoch), epochStartTimestamp: String(k.epochStartTimestamp ?? 0n), leaderScheduleEpoch: String(k.leaderScheduleEpoch ?? k.epoch + 1n), unixTimestamp: String(k.unixTimestamp ?? 1_700_000_000n) };
      return call('test_setClock', [w]);
    },
    ping: async () => void (await call('test_ping')),
    close: async () => {
      if (closing) return;
      closing = true;
      const exited = new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
      try {
        if (!dead) await call('test_close');
        child.stdin.end();
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
      } catch {
        // a dead or silent server is killed below; the failure that made it so was already reported
      } finally {
        child.kill('SIGKILL');
        live.delete(child);
      }
    },
  };
}
