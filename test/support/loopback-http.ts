import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A real HTTP server on 127.0.0.1 (random port) for exercising HTTP clients end to end: canned
 * responses per "METHOD /path", with injectable latency, truncation and status codes, and a log of
 * every request with timestamps so tests can assert concurrency and backoff. Reusable by the benchmark.
 */

export interface CannedResponse {
  readonly status?: number;
  /** A string is sent verbatim (for malformed bodies); anything else as JSON. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before sending anything. Cancelled if the client goes away. */
  readonly delayMs?: number;
  /**
   * Declare the full Content-Length, send only part of the body, then drop the connection:
   * `true` sends half, a number sends that many bytes.
   */
  readonly truncate?: boolean | number;
}

export interface RecordedRequest {
  /** 0-based order of arrival across all routes. */
  readonly index: number;
  readonly method: string;
  readonly path: string;
  /** Path and query as sent. */
  readonly url: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** performance.now() when the request arrived / when the server finished (or gave up on) it. */
  readonly startedAt: number;
  endedAt?: number;
}

export type RouteHandler = (req: RecordedRequest, nth: number) => CannedResponse | Promise<CannedResponse>;
/** A fixed response, a handler, or a sequence (the n-th request gets the n-th item; the last repeats). */
export type Route = CannedResponse | RouteHandler | readonly CannedResponse[];
export type RouteTable = Record<string, Route>;

export interface LoopbackServer {
  /** "http://127.0.0.1:PORT" */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  /** Most requests the server was handling at once. */
  readonly maxInFlight: number;
  readonly inFlight: number;
  /** Requests to one route key, e.g. "GET /pools". */
  requestsTo(key: string): RecordedRequest[];
  setRoute(key: string, route: Route): void;
  close(): Promise<void>;
}

export interface LoopbackOptions {
  /** Added before every response (benchmark latency injection). */
  readonly latencyMs?: number;
}

export async function startLoopback(routes: RouteTable, options: LoopbackOptions = {}): Promise<LoopbackServer> {
  const table = new Map<string, Route>(Object.entries(routes));
  const counts = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;

  async function respond(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const u = new URL(req.url ?? '/', 'http://loopback');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rec: RecordedRequest = {
      index: requests.length,
      method: req.method ?? 'GET',
      path: u.pathname,
      url: req.url ?? '/',
      query: u.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
      startedAt,
    };
    requests.push(rec);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let done = false;
    // Counted as finished the moment the server is done with it (before the client can see the end),
    // so a client's next request can never overlap this one in the count.
    const finish = () => {
      if (done) return;
      done = true;
      inFlight--;
      rec.endedAt = performance.now();
    };
    res.on('close', finish);

    const key = `${rec.method} ${rec.path}`;
    const route = table.get(key);
    const nth = counts.get(key) ?? 0;
    counts.set(key, nth + 1);
    let canned: CannedResponse;
    if (route === undefined) canned = { status: 404, body: { error: `no route for ${key}` } };
    else if (typeof route === 'function') canned = await route(rec, nth);
    else if (Array.isArray(route)) canned = (route[Math.min(nth, route.length - 1)] ?? {}) as CannedResponse;
    else canned = route as CannedResponse;

    const wait = (options.latencyMs ?? 0) + (canned.delayMs ?? 0);
    if (wait > 0) {
      const gone = await new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), wait);
        res.once('close', () => {
          clearTimeout(t);
          resolve(true);
        });
      });
      if (gone) return;
    }

    const raw = typeof canned.body === 'string' ? canned.body : canned.body === undefined ? '' : JSON.stringify(canned.body);
    const bytes = Buffer.from(raw, 'utf8');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(bytes.length), ...canned.headers };
    res.writeHead(canned.status ?? 200, headers);
    if (canned.truncate !== undefined && canned.truncate !== false) {
      const n = canned.truncate === true ? Math.floor(bytes.length / 2) : canned.truncate;
      res.write(bytes.subarray(0, n));
      finish();
      // Let the partial chunk reach the socket, then cut the connection short of Content-Length.
      setTimeout(() => res.socket?.destroy(), 5);
      return;
    }
    finish();
    res.end(bytes);
  }

  const server = createServer((req, res) => {
    respond(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`loopback handler failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    get inFlight() {
      return inFlight;
    },
    requestsTo: (key) => requests.filter((r) => `${r.method} ${r.path}` === key),
    setRoute: (key, route) => {
      table.set(key, route);
      counts.delete(key);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}
