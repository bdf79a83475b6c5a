import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { bigintReplacer } from '../journal/codec.js';
import type { Fleet } from './fleet.js';
import { renderStatusPage, STATUS_CSP } from './status-page.js';
import { readinessOf } from './vault-status.js';
import { vaultView } from './vault-view.js';

export interface HttpOptions {
  readonly host: string;
  readonly port: number;
  /** When set, every request must carry it (Authorization: Bearer …, or Basic with it as the password). */
  readonly token?: string | undefined;
  readonly log: Logger;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time check of the request's credentials against the token. */
export function authorized(header: string | undefined, token: string): boolean {
  if (!header) return false;
  let given: string | undefined;
  const m = /^(\w+)\s+(.+)$/.exec(header.trim());
  if (m?.[1]?.toLowerCase() === 'bearer') given = m[2];
  else if (m?.[1]?.toLowerCase() === 'basic') {
    // Browsers cannot send a bearer token to a page; they can send Basic credentials (the token as password).
    const decoded = Buffer.from(m[2] ?? '', 'base64').toString('utf8');
    given = decoded.slice(decoded.indexOf(':') + 1);
  }
  return given !== undefined && timingSafeEqual(digest(given), digest(token));
}

function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...extra,
  });
  res.end(body);
}

/**
 * The fleet's HTTP endpoint on node:http: /metrics (Prometheus), /healthz, /readyz, /api/vaults and the
 * status page at /. GET and HEAD only.
 */
export class FleetHttpServer {
  readonly #server: Server;

  constructor(
    private readonly fleet: Fleet,
    private readonly o: HttpOptions,
  ) {
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((e: unknown) => {
        o.log.error({ err: (e as Error).message, url: req.url }, 'request failed');
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
        else res.end();
      });
    });
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 30_000;
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.o.port, this.o.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const a = this.#server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  async close(): Promise<void> {
    this.#server.closeIdleConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.o.token !== undefined && !authorized(req.headers.authorization, this.o.token)) {
      return send(res, 401, 'text/plain; charset=utf-8', 'a bearer token is required\n', { 'www-authenticate': 'Bearer realm="restake-keeper", Basic realm="restake-keeper"' });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'GET only\n', { allow: 'GET, HEAD' });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const now = Date.now();
    switch (path) {
      case '/healthz':
        return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
      case '/readyz': {
        const lines: string[] = [];
        let ready = true;
        for (const r of this.fleet.runners) {
          const rd = readinessOf(r.status, now);
          ready &&= rd.ready;
          lines.push(rd.ready ? `${r.status.name}: ready (${r.status.state})` : `${r.status.name}: NOT READY — ${rd.reasons.join('; ')}`);
        }
        return send(res, ready ? 200 : 503, 'text/plain; charset=utf-8', `${ready ? 'ready' : 'not ready'}\n${lines.join('\n')}\n`);
      }
      case '/metrics':
        return send(res, 200, this.fleet.metrics.contentType, await this.fleet.metrics.render(now));
      case '/api/vaults':
        return send(res, 200, 'application/json', JSON.stringify({ at: new Date(now).toISOString(), vaults: this.fleet.runners.map((r) => vaultView(r, now)) }, bigintReplacer));
      case '/':
      case '/status':
        return send(res, 200, 'text/html; charset=utf-8', renderStatusPage(this.fleet.runners.map((r) => vaultView(r, now)), new Date(now)), {
          'content-security-policy': STATUS_CSP,
          'x-frame-options': 'DENY',
        });
      default: {
        const m = /^\/api\/vaults\/([^/]+)$/.exec(path);
        const r = m ? this.fleet.runner(decodeURIComponent(m[1] as string)) : undefined;
        if (r) return send(res, 200, 'application/json', JSON.stringify(vaultView(r, now), bigintReplacer));
        return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
      }
    }
  }
}
