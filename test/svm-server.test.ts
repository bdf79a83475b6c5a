import { spawn } from 'node:child_process';
import { Keypair, PublicKey } from '@solana/web3.js';
import { describe, expect, it, onTestFinished } from 'vitest';
import { SVM_SERVER_BUNDLE } from './support/svm-server-bundle.js';
import { READY_PREFIX } from './support/svm-server/wire.js';
import { systemAccount } from './support/sol-exec.js';
import { startSvmRpc, SvmServerError, type SvmRpc } from './support/svm-rpc.js';

/**
 * The Solana test chain's server child (svm-rpc.ts): the control API round-trips, a server that stops
 * answering becomes a failed call (and is killed) instead of a stuck test, and no server outlives the
 * process that started it.
 */
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
async function gone(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (!alive(pid)) return true;
  return !alive(pid);
}
async function started(o: Parameters<typeof startSvmRpc>[1] = {}): Promise<{ rpc: SvmRpc; vault: PublicKey }> {
  const vault = Keypair.generate().publicKey;
  const rpc = await startSvmRpc([{ address: vault, info: systemAccount(5n * 10n ** 9n) }], o);
  onTestFinished(() => rpc.close());
  return { rpc, vault };
}
const rpcCall = async (url: string, method: string, params: unknown[] = []) =>
  ((await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()) as { result?: unknown; error?: { message: string } });

describe('the SVM server child', () => {
  it('serves JSON-RPC and the control API over loopback: accounts round-trip with lamports past 2^32, blocks advance, unknown methods are refused', async () => {
    const { rpc, vault } = await started();
    expect(await rpc.getBalance(vault)).toBe(5n * 10n ** 9n);
    expect(await rpc.getAccount(Keypair.generate().publicKey)).toBeNull();
    const big = Keypair.generate().publicKey;
    const h0 = (await rpcCall(rpc.url, 'getBlockHeight')).result as number;
    await rpc.advance(5);
    expect((await rpcCall(rpc.url, 'getBlockHeight')).result).toBe(h0 + 5);
    await rpc.setAccount(big, { lamports: 9_000_000_000_000_001n, data: Buffer.from([1, 2, 3]), owner: new PublicKey('Stake11111111111111111111111111111111111111'), executable: false });
    const got = await rpc.getAccount(big);
    expect(got?.lamports).toBe(9_000_000_000_000_001n);
    expect([...(got?.data ?? [])]).toEqual([1, 2, 3]);
    expect(got?.owner.toBase58()).toBe('Stake11111111111111111111111111111111111111');
    await rpc.dropNextSends(2);
    await rpc.setPriorityFees([7, 9]);
    expect((await rpcCall(rpc.url, 'getRecentPrioritizationFees')).result).toEqual([{ slot: 1, prioritizationFee: 7 }, { slot: 2, prioritizationFee: 9 }]);
    expect((await rpcCall(rpc.url, 'getVoteAccounts')).error?.message).toMatch(/method getVoteAccounts not served/);
    expect(await rpc.processed()).toEqual([]);
  });

  it('a server that stops answering fails the call within its timeout, naming the call, and is killed; later calls fail at once', async () => {
    const { rpc } = await started({ callTimeoutMs: 800 });
    await rpc.ping();
    process.kill(rpc.pid, 'SIGSTOP'); // as a deadlocked bankrun: the process is there, nothing answers
    const t0 = Date.now();
    const e = await rpc.processed().then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(SvmServerError);
    expect((e as Error).message).toMatch(/did not answer test_log within 800 ms \(killed\) \[threads: \d+× T/); // T: stopped, as SIGSTOP left it
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(await gone(rpc.pid, 5_000)).toBe(true);
    await expect(rpc.ping()).rejects.toThrow(/did not answer test_log/);
  });

  it('a server that dies is reported with its exit; a start that does not listen in time, or fails in the child, is a clear error', async () => {
    const { rpc } = await started();
    process.kill(rpc.pid, 'SIGKILL');
    await expect.poll(() => rpc.ping().then(() => 'answered', (x: Error) => x.message), { timeout: 5_000 }).toMatch(/exited unexpectedly \(code null, signal SIGKILL\)/);
    const e = await startSvmRpc([], { startupTimeoutMs: 1 }).then(() => undefined, (x: unknown) => x);
    expect(e).toBeInstanceOf(SvmServerError);
    expect((e as Error).message).toMatch(/did not listen within 1 ms/);
    // A start that fails in the child is reported with the child's own words (its stderr).
    const bad = await startSvmRpc([], { doubles: ['11111111111111111111111111111111'] }).then(() => undefined, (x: unknown) => x);
    expect(bad).toBeInstanceOf(SvmServerError);
    expect((bad as Error).message).toMatch(/exited unexpectedly \(code 1[\s\S]*no program double registered in svm-doubles.ts for 11111111111111111111111111111111/);
  });

  it('exits when the process that started it dies (SIGKILL, no cleanup ran): no orphan chain', async () => {
    // A parent that starts the server exactly as svm-rpc.ts does, prints its pid, and is then SIGKILLed.
    const parentSrc = `
      const { spawn } = await import('node:child_process');
      const c = spawn(process.execPath, [${JSON.stringify(SVM_SERVER_BUNDLE)}], { stdio: ['pipe', 'pipe', 'inherit'] });
      c.stdin.write(JSON.stringify({ accounts: [] }) + '\\n');
      c.stdout.on('data', (d) => { if (String(d).startsWith(${JSON.stringify(READY_PREFIX)})) process.stdout.write('server ' + c.pid + '\\n'); });
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--input-type=module', '-e', parentSrc], { stdio: ['ignore', 'pipe', 'inherit'] });
    const serverPid = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the parent never reported its server')), 30_000);
      parent.stdout.on('data', (d: Buffer) => {
        const m = /server (\d+)/.exec(String(d));
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    onTestFinished(() => {
      if (alive(serverPid)) process.kill(serverPid, 'SIGKILL');
    });
    expect(alive(serverPid)).toBe(true);
    parent.kill('SIGKILL');
    expect(await gone(serverPid, 5_000)).toBe(true);
  });
});
