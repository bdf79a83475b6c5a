/**
 * Issue 4's read benchmark: the real HTTP yield sources against a loopback server that injects a
 * different latency per endpoint. A cycle's read (all sources through CompositeSource) must stay
 * within 1.2× the slowest single source.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CompositeSource } from '../src/sources/composite-source.js';
import { createHttpSources, HttpSourcesSchema } from '../src/sources/http/http-sources-config.js';

interface Route { body: string; delayMs: number }

function serve(routes: Record<string, Route>): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const r = routes[path];
    req.resume();
    if (!r) {
      res.writeHead(404).end();
      return;
    }
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(r.body), r.delayMs);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export async function benchReadConcurrency(root: string): Promise<void> {
  const fixture = (name: string) => readFileSync(join(root, 'test', 'fixtures', 'http', `${name}.json`), 'utf8');
  const latency = { defillama: 180, lido: 120, jito: 240, sanctum: 90 };
  const { server, base } = await serve({
    '/pools': { body: fixture('defillama-pools'), delayMs: latency.defillama },
    '/v1/protocol/steth/apr/sma': { body: fixture('lido-apr-sma'), delayMs: latency.lido },
    '/api/v1/stake_pool_stats': { body: fixture('jito-stake-pool-stats'), delayMs: latency.jito },
    '/v1/apy/latest': { body: fixture('sanctum-apy-latest'), delayMs: latency.sanctum },
  });
  try {
    const config = HttpSourcesSchema.parse({
      client: { timeoutMs: 5000, retries: 0, perHostConcurrency: 8 },
      defillama: { baseUrl: base, pools: { wstETH: '747c1d2a-c668-4682-b9f9-296708a3dd90' } },
      lido: { baseUrl: base, assets: ['wstETH'] },
      jito: { baseUrl: base, assets: ['JitoSOL'] },
      sanctum: { baseUrl: base, lsts: { jupSOL: 'jupSOL' } },
    });
    const sources = createHttpSources(config);
    const now = Date.now();
    const singles: Record<string, number[]> = {};
    const composite: number[] = [];
    const all = new CompositeSource(sources, { timeoutMs: 5000 });
    for (let k = 0; k < 7; k++) {
      for (const s of sources) {
        const t = performance.now();
        const r = await s.read(now);
        if (r.failures.length) throw new Error(`${s.name} failed in the bench: ${r.failures[0]?.message}`);
        (singles[s.name] ??= []).push(performance.now() - t);
      }
      const t = performance.now();
      const r = await all.read(now);
      if (r.failures.length) throw new Error(`composite read failed in the bench: ${r.failures[0]?.message}`);
      composite.push(performance.now() - t);
    }
    const perSource = Object.entries(singles).map(([name, xs]) => [name, median(xs)] as const);
    const slowest = Math.max(...perSource.map(([, m]) => m));
    const c = median(composite);
    const sequential = perSource.reduce((s, [, m]) => s + m, 0);
    console.log(`\nlive read (issue 4): ${sources.length} HTTP sources on loopback, injected latency ${Object.entries(latency).map(([k, v]) => `${k} ${v} ms`).join(', ')}; median of 7`);
    for (const [name, m] of perSource) console.log(`  ${name.padEnd(14)} alone ${m.toFixed(1).padStart(7)} ms`);
    console.log(`  cycle read (all at once)  ${c.toFixed(1).padStart(7)} ms   slowest single ${slowest.toFixed(1)} ms   ratio ${(c / slowest).toFixed(3)} × (target ≤ 1.2×); one after another would take ${sequential.toFixed(0)} ms`);
  } finally {
    server.close();
  }
}
