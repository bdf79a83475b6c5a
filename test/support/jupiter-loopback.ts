import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for Jupiter's Swap API: serves GET <prefix>/quote in the real QuoteResponse shape
 * (jupiter-quote-api-node swagger: string amounts, priceImpactPct a fraction as a string, routePlan).
 * Every request is recorded so a test can assert the client reached THIS server (basePath honoured)
 * with the expected query and headers.
 */
export interface LoopbackRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

export interface LoopbackReply {
  readonly status?: number;
  /** An object is sent as JSON; a string is sent as-is. */
  readonly body?: unknown;
  /** Wait this long before answering (to test timeouts). */
  readonly delayMs?: number;
}

export type LoopbackHandler = (req: LoopbackRequest) => LoopbackReply;

export interface JupiterLoopback {
  /** e.g. http://127.0.0.1:41234/swap/v1 */
  readonly baseUrl: string;
  readonly requests: LoopbackRequest[];
  close(): Promise<void>;
}

export async function startJupiterLoopback(handler: LoopbackHandler, prefix = '/swap/v1'): Promise<JupiterLoopback> {
  const requests: LoopbackRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    const r: LoopbackRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers };
    requests.push(r);
    const reply: LoopbackReply =
      r.method === 'GET' && r.path === `${prefix}/quote` ? handler(r) : { status: 404, body: { error: `no route ${r.method} ${r.path}` } };
    const send = () => {
      const body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
      res.writeHead(reply.status ?? 200, { 'content-type': typeof reply.body === 'string' ? 'text/html' : 'application/json' });
      res.end(body);
    };
    if (reply.delayMs) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send();
      }, reply.delayMs);
      timers.add(t);
    } else {
      send();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${prefix}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A QuoteResponse as /quote returns it (ExactIn), with one route step. */
export function quoteResponse(q: {
  inputMint: string;
  outputMint: string;
  inAmount: string;
  outAmount: string;
  priceImpactPct: string;
  slippageBps?: number;
  contextSlot?: number;
}): Record<string, unknown> {
  const slippageBps = q.slippageBps ?? 50;
  return {
    inputMint: q.inputMint,
    inAmount: q.inAmount,
    outputMint: q.outputMint,
    outAmount: q.outAmount,
    otherAmountThreshold: ((BigInt(q.outAmount) * BigInt(10_000 - slippageBps)) / 10_000n).toString(),
    swapMode: 'ExactIn',
    slippageBps,
    platformFee: null,
    priceImpactPct: q.priceImpactPct,
    routePlan: [
      {
        swapInfo: {
          ammKey: 'Fk6ZxgjdGm7dmUUSgzm8vRKWb5wNkEJQE4u8oK2ZkMyQ',
          label: 'Sanctum Infinity',
          inputMint: q.inputMint,
          outputMint: q.outputMint,
          inAmount: q.inAmount,
          outAmount: q.outAmount,
          feeAmount: '0',
          feeMint: q.outputMint,
        },
        percent: 100,
        bps: 10_000,
      },
    ],
    contextSlot: q.contextSlot ?? 345_678_901,
    timeTaken: 0.0123,
    swapUsdValue: '150.25',
    simplerRouteUsed: false,
  };
}
