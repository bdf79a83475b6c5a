import type { z } from 'zod';
import { KeeperError } from '../../errors.js';

/**
 * The one way the keeper talks HTTP to yield APIs. Every call gets a per-attempt timeout, bounded
 * retries with exponential backoff and full jitter, respect for 429/503 Retry-After, and a per-host
 * concurrency limit, so a slow or rate-limiting API degrades into a SourceFailure, not a hung cycle.
 */

export interface HttpClientOptions {
  /** Per attempt, covering headers AND body: a server that trickles a body is as stuck as one that never answers. */
  readonly timeoutMs: number;
  /** Retries after the first attempt (total attempts = retries + 1). */
  readonly retries: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly perHostConcurrency: number;
  readonly userAgent?: string;
  /** [0, 1); injected so tests get deterministic jitter. */
  readonly random?: () => number;
  /** Injected so tests can record backoff delays without waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly fetch?: typeof fetch;
  /** Wall clock for Retry-After HTTP dates. */
  readonly now?: () => number;
}

export interface HttpClient {
  getJson<T>(url: string, schema: z.ZodType<T>, init?: RequestInit): Promise<T>;
  postJson<T>(url: string, body: unknown, schema: z.ZodType<T>): Promise<T>;
  /**
   * Global-fetch-compatible (pass it as @jup-ag/api's `fetchApi`). Same limits and retries; after the
   * retries it returns the last response whatever its status, as fetch does. The body is read inside
   * the timeout and handed back buffered.
   */
  fetch: typeof fetch;
}

export type HttpFailureReason = 'timeout' | 'network' | 'truncated' | 'status' | 'not-json' | 'schema' | 'aborted';

/** An HTTP read failed. Names the URL, how many attempts were made, the last status, and why. */
export class HttpSourceError extends KeeperError {
  constructor(
    message: string,
    readonly url: string,
    readonly attempts: number,
    readonly status: number | undefined,
    readonly reason: HttpFailureReason,
  ) {
    super(message, { url, attempts, status, reason });
  }
}

/** "data[3].apyBase" from a zod issue path: what a person would type to find the field. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(root)';
}

/** A semaphore per host: FIFO so an early request is not starved by later ones. */
class HostLimiter {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  constructor(private readonly limit: number) {}

  async acquire(host: string): Promise<() => void> {
    const n = this.active.get(host) ?? 0;
    if (n < this.limit) {
      this.active.set(host, n + 1);
    } else {
      // The releaser hands its slot straight to us, so the count stays put and nobody can jump the queue.
      await new Promise<void>((resolve) => {
        const q = this.waiting.get(host) ?? [];
        q.push(resolve);
        this.waiting.set(host, q);
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.get(host)?.shift();
      if (next) next();
      else this.active.set(host, (this.active.get(host) ?? 1) - 1);
    };
  }
}

/** Retry-After is either delta-seconds or an HTTP date; anything else is ignored (falls back to backoff). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, t - nowMs) : undefined;
}

interface Attempt {
  readonly response?: Response;
  /** Body read to the end inside the timeout. */
  readonly body?: Uint8Array;
  readonly error?: { reason: HttpFailureReason; detail: string };
}

const RETRY_STATUS = (s: number) => s === 429 || s >= 500;

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const limiter = new HostLimiter(Math.max(1, opts.perHostConcurrency));
  const userAgent = opts.userAgent ?? 'restake-keeper/0.1';

  /**
   * One try. The host slot is held for this attempt only (a retry sleeping out its backoff frees it for
   * others), and the timeout starts once the slot is ours, so queueing is not counted against the server.
   */
  async function attempt(url: string, init: RequestInit): Promise<Attempt> {
    const release = await limiter.acquire(new URL(url).host);
    const timer = new AbortController();
    const t = setTimeout(() => timer.abort(), opts.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timer.signal]) : timer.signal;
    let response: Response | undefined;
    try {
      response = await doFetch(url, { ...init, signal });
      return { response, body: new Uint8Array(await response.arrayBuffer()) };
    } catch (e) {
      if (timer.signal.aborted) return { response, error: { reason: 'timeout', detail: `timed out after ${opts.timeoutMs} ms` } };
      if (init.signal?.aborted) return { response, error: { reason: 'aborted', detail: 'aborted by caller' } };
      const detail = describeCause(e);
      // Headers arrived but the body did not finish: the connection dropped mid-body.
      if (response) return { response, error: { reason: 'truncated', detail: `body truncated (${detail})` } };
      return { error: { reason: 'network', detail } };
    } finally {
      clearTimeout(t);
      release();
    }
  }

  /** Runs attempts until one is final. Returns the final attempt and how many were made. */
  async function run(url: string, init: RequestInit): Promise<{ last: Attempt; attempts: number }> {
    const headers = new Headers(init.headers);
    if (!headers.has('user-agent')) headers.set('user-agent', userAgent);
    if (!headers.has('accept')) headers.set('accept', 'application/json');
    const req = { ...init, headers };
    for (let i = 0; ; i++) {
      const last = await attempt(url, req);
      const status = last.response?.status;
      const retryable = last.error ? last.error.reason !== 'aborted' : status !== undefined && RETRY_STATUS(status);
      if (!retryable || i >= opts.retries) return { last, attempts: i + 1 };
      // Full jitter: spreads a burst of retries across the window instead of re-synchronising them.
      let delay = random() * Math.min(opts.maxDelayMs, opts.baseDelayMs * 2 ** i);
      if (!last.error && (status === 429 || status === 503)) {
        const ra = parseRetryAfter(last.response?.headers.get('retry-after') ?? null, now());
        // The server said when; obey it, but never stall a cycle longer than maxDelayMs.
        if (ra !== undefined) delay = Math.min(opts.maxDelayMs, ra);
      }
      await sleep(delay);
    }
  }

  function fail(method: string, url: string, attempts: number, status: number | undefined, reason: HttpFailureReason, detail: string): HttpSourceError {
    const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
    return new HttpSourceError(`${method} ${url} failed after ${tries}${status !== undefined ? ` (HTTP ${status})` : ''}: ${detail}`, url, attempts, status, reason);
  }

  async function requestJson<T>(url: string, init: RequestInit, schema: z.ZodType<T>): Promise<T> {
    const method = (init.method ?? 'GET').toUpperCase();
    const { last, attempts } = await run(url, init);
    const status = last.response?.status;
    if (last.error) throw fail(method, url, attempts, status, last.error.reason, last.error.detail);
    const text = new TextDecoder().decode(last.body);
    if (status === undefined || status < 200 || status > 299) {
      throw fail(method, url, attempts, status, 'status', `HTTP ${status} ${last.response?.statusText ?? ''}`.trim() + (text ? `: ${snippet(text)}` : ''));
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      // JSON that is fine up to where the body stops is a truncation (a proxy or server cut it short),
      // which is worth naming as such: the parser either says "end of input" or fails at the last byte.
      const msg = e instanceof Error ? e.message : String(e);
      const at = /at position (\d+)/.exec(msg);
      const truncated = text.trim().length > 0 && (/end of JSON input/i.test(msg) || (at !== null && Number(at[1]) >= text.trimEnd().length));
      throw fail(method, url, attempts, status, truncated ? 'truncated' : 'not-json', `${truncated ? 'truncated JSON body' : 'body is not JSON'} (${msg}): ${snippet(text)}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? formatIssuePath(first.path) : '(root)';
      const more = parsed.error.issues.length > 1 ? ` (+${parsed.error.issues.length - 1} more)` : '';
      throw fail(method, url, attempts, status, 'schema', `unexpected response shape at ${where}: ${first?.message ?? 'invalid'}${more}`);
    }
    return parsed.data;
  }

  const clientFetch: typeof fetch = async (input, init) => {
    let url: string;
    let req: RequestInit = { ...init };
    if (input instanceof Request) {
      url = input.url;
      // Buffer a Request's body so every retry can resend it.
      const body = input.method === 'GET' || input.method === 'HEAD' ? undefined : await input.arrayBuffer();
      req = { method: input.method, headers: input.headers, body, signal: input.signal, ...init };
    } else {
      url = String(input);
    }
    const { last, attempts } = await run(url, req);
    if (last.error || !last.response) {
      throw fail((req.method ?? 'GET').toUpperCase(), url, attempts, last.response?.status, last.error?.reason ?? 'network', last.error?.detail ?? 'no response');
    }
    const r = last.response;
    const nullBody = r.status === 204 || r.status === 205 || r.status === 304;
    // The body is already decoded and complete: drop the headers that described the wire form of it.
    const headers = new Headers(r.headers);
    headers.delete('content-encoding');
    headers.delete('content-length');
    return new Response(nullBody ? null : last.body, { status: r.status, statusText: r.statusText, headers });
  };

  return {
    getJson: (url, schema, init) => requestJson(url, { ...init, method: init?.method ?? 'GET' }, schema),
    postJson: (url, body, schema) =>
      requestJson(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, schema),
    fetch: clientFetch,
  };
}

function describeCause(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  // undici wraps the useful part ("ECONNREFUSED", "other side closed") in `cause`.
  const cause = (e as { cause?: unknown }).cause;
  const c = cause instanceof Error ? `: ${(cause as { code?: string }).code ?? cause.message}` : '';
  return `${e.message}${c}`;
}

function snippet(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(t.length > 80 ? `${t.slice(0, 77)}...` : t);
}
