import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { startChain } from './chain.js';
import { READY_PREFIX, type ServerConfig } from './wire.js';

/**
 * The SVM server child's entry (bundled to dist/svm-server/ by test/support/svm-server-bundle.ts): reads
 * its config as the first line on stdin, serves the chain as JSON-RPC on a loopback port, and prints
 * READY_PREFIX + port when it listens. It lives exactly as long as the test process that spawned it: it
 * exits when its stdin closes (the parent died or closed it) or when its parent process changes, so a
 * crashed or killed vitest worker leaves no orphan chain behind.
 */
const parent = process.ppid;
const die = (why: string, code = 0): never => {
  if (code) process.stderr.write(`svm-server: ${why}\n`);
  process.exit(code);
};
setInterval(() => {
  if (process.ppid !== parent) die(`parent ${parent} is gone`, 0);
}, 250).unref();

const lines = createInterface({ input: process.stdin });
const first = await new Promise<string>((resolve) => {
  const early = () => die('stdin closed before the config line', 2);
  lines.once('close', early);
  lines.once('line', (l) => {
    lines.off('close', early);
    resolve(l);
  });
});
lines.on('close', () => die('stdin closed', 0));
const cfg = JSON.parse(first) as ServerConfig;
const chain = await startChain(cfg);

const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    void (async () => {
      let id: unknown = null;
      let reply: Record<string, unknown>;
      try {
        const q = JSON.parse(body) as { id: unknown; method: string; params?: unknown[] };
        id = q.id;
        const f = chain.methods[q.method];
        reply = f
          ? { jsonrpc: '2.0', id, result: (await f(q.params ?? [])) ?? null }
          : { jsonrpc: '2.0', id, error: { code: -32601, message: `method ${q.method} not served by the test endpoint` } };
      } catch (e) {
        reply = { jsonrpc: '2.0', id, error: { code: (e as { rpc?: number }).rpc ?? -32000, message: (e as Error).message } };
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply));
      if ((reply.result as unknown) === 'closing') setImmediate(() => die('closed', 0));
    })();
  });
});
chain.methods.test_close = async () => {
  await chain.stop();
  return 'closing';
};
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${READY_PREFIX}${(server.address() as AddressInfo).port}\n`);
});
process.on('uncaughtException', (e) => die(`uncaught: ${e.stack ?? e.message}`, 1));
process.on('unhandledRejection', (e) => die(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`, 1));
