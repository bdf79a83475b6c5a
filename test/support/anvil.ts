import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/**
 * A throwaway anvil node for tests: 127.0.0.1 on a free port, chain id 1 by default, quiet, with anvil's
 * ten default accounts (test mnemonic) funded. `stop()` kills it and waits for the exit; a process exit
 * handler kills any node a crashed test left running.
 */

export interface Anvil {
  readonly rpcUrl: string;
  readonly port: number;
  readonly chainId: number;
  stop(): Promise<void>;
}

export interface AnvilOptions {
  readonly chainId?: number;
  /** Extra anvil arguments (e.g. ['--block-time', '1']). */
  readonly args?: readonly string[];
  /** How long to wait for eth_chainId to answer. */
  readonly startTimeoutMs?: number;
}

const require = createRequire(import.meta.url);
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The platform binary from @foundry-rs/anvil-<os>-<arch>, else the @foundry-rs/anvil launcher script. */
export function anvilCommand(): { cmd: string; args: string[] } {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch];
  if (arch) {
    try {
      const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
      const bin = join(dirname(pkg), 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
      if (existsSync(bin)) return { cmd: bin, args: [] };
    } catch {
      /* fall through */
    }
  }
  try {
    return { cmd: process.execPath, args: [require.resolve('@foundry-rs/anvil/bin.mjs')] };
  } catch {
    throw new Error('anvil not found: install the devDependency @foundry-rs/anvil (platform binary @foundry-rs/anvil-<os>-<arch>)');
  }
}

/** A port the OS says is free right now (anvil has no `--port 0`). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

async function rpcChainId(url: string): Promise<number | undefined> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(1000),
    });
    const body = (await res.json()) as { result?: string };
    return body.result ? Number.parseInt(body.result, 16) : undefined;
  } catch {
    return undefined;
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  running.delete(child);
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startOnce(opts: AnvilOptions): Promise<Anvil> {
  const chainId = opts.chainId ?? 1;
  const port = await freePort();
  const { cmd, args } = anvilCommand();
  const child = spawn(cmd, [...args, '--host', '127.0.0.1', '--port', String(port), '--chain-id', String(chainId), '--quiet', ...(opts.args ?? [])], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`anvil exited with code ${child.exitCode} on port ${port}: ${stderr.trim()}`);
    const id = await rpcChainId(rpcUrl);
    if (id === chainId) return { rpcUrl, port, chainId, stop: () => stopChild(child) };
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child);
  throw new Error(`anvil did not answer eth_chainId on ${rpcUrl} within ${opts.startTimeoutMs ?? 15_000} ms: ${stderr.trim()}`);
}

/** Starts anvil; retries on a fresh port if another process grabbed the chosen one first. */
export async function startAnvil(opts: AnvilOptions = {}): Promise<Anvil> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}
