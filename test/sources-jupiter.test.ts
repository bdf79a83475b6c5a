import { Configuration, createJupiterApiClient } from '@jup-ag/api';
import { afterEach, describe, expect, it } from 'vitest';
import { checkObservation } from '../src/domain/observation-check.js';
import { ConfigError } from '../src/errors.js';
import { createJupiterQuoteSource } from '../src/sources/jupiter/jupiter-quote-source.js';
import { JUPITER_KEYED_BASE_URL, JUPITER_LITE_BASE_URL, JupiterSourceSchema, SOL_MINT } from '../src/sources/jupiter/jupiter-source-config.js';
import { startJupiterLoopback, quoteResponse, type JupiterLoopback, type LoopbackHandler, type LoopbackReply } from './support/jupiter-loopback.js';
import { decimalQuotient } from './support/lite-svm.js';

const JITOSOL_MINT = 'J1toso1uCk3RLmjorhTtrVwY9HJ7X8V9yYac6Y7kGCPn';
const MSOL_MINT = 'mSoLzYCxHdYgdzU16g5QSh3i5K3z3KZK7ytfqcJm7So';
const NOW = Date.parse('2025-06-01T00:00:00Z');

/** SOL out per raw token in, as an exact fraction, per input mint. */
const RATES: Record<string, [bigint, bigint]> = {
  [JITOSOL_MINT]: [1_275_866_267n, 1_000_000_000n],
  [MSOL_MINT]: [1_300_000_000n, 1_000_000_000n],
};

/** A well-behaved /quote: out = floor(in × rate); impact grows with size (fraction strings, like Jupiter's). */
const market: LoopbackHandler = (req) => {
  const inputMint = req.query.get('inputMint') as string;
  const amount = req.query.get('amount') as string;
  const [num, den] = RATES[inputMint] ?? [1n, 1n];
  const out = (BigInt(amount) * num) / den;
  const impact = BigInt(amount) < 100n * 10n ** 9n ? '0.0000123' : '0.0021';
  return { body: quoteResponse({ inputMint, outputMint: req.query.get('outputMint') as string, inAmount: amount, outAmount: out.toString(), priceImpactPct: impact }) };
};

/** `market`, except for the mSOL mint, which gets `reply`. */
function mSolGets(reply: LoopbackReply): LoopbackHandler {
  return (req) => (req.query.get('inputMint') === MSOL_MINT ? reply : market(req));
}

let lb: JupiterLoopback | undefined;
afterEach(async () => {
  await lb?.close();
  lb = undefined;
});

describe('Jupiter quote source (loopback /quote)', () => {
  it('hits the configured base URL (not the factory default) and maps quotes to marketRate / exitImpact', async () => {
    lb = await startJupiterLoopback(market);
    let fetches = 0;
    const countingFetch: typeof fetch = (input, init) => {
      fetches++;
      return fetch(input, init);
    };
    const src = createJupiterQuoteSource(
      { baseUrl: lb.baseUrl, apiKey: 'test-key-123', assets: { JitoSOL: JITOSOL_MINT, mSOL: { mint: MSOL_MINT, decimals: 9 } }, sizesBase: [1000, 1] },
      { fetchApi: countingFetch },
    );
    const r = await src.read(NOW);
    expect(r.failures).toEqual([]);

    // Every request reached the loopback, with the key header and an ExactIn sell into SOL.
    expect(lb.requests).toHaveLength(6);
    expect(fetches).toBe(6);
    for (const q of lb.requests) {
      expect(q.path).toBe('/swap/v1/quote');
      expect(q.headers['x-api-key']).toBe('test-key-123');
      expect(q.query.get('outputMint')).toBe(SOL_MINT);
      expect(q.query.get('slippageBps')).toBe('50');
      expect(q.query.get('swapMode')).toBe('ExactIn');
    }
    const jito = lb.requests.filter((q) => q.query.get('inputMint') === JITOSOL_MINT).map((q) => q.query.get('amount') as string);
    // probe 1 token, then 1 SOL and 1000 SOL worth at the probe's rate (1.275866267)
    expect(jito).toEqual(['1000000000', String(Math.round((1 / 1.275866267) * 1e9)), String(Math.round((1000 / 1.275866267) * 1e9))]);

    const o = Object.fromEntries(r.observations.map((x) => [x.asset, x]));
    const in1 = BigInt(jito[1] as string);
    const out1 = (in1 * 1_275_866_267n) / 1_000_000_000n;
    expect(o.JitoSOL).toEqual({
      time: NOW,
      asset: 'JitoSOL',
      source: 'jupiter',
      ref: 'slot:345678901',
      marketRate: Number(decimalQuotient(out1, in1)),
      exitImpact: 0.0021,
      exitSizeBase: 1000,
    });
    expect(o.JitoSOL?.marketRate).toBeCloseTo(1.275866267, 8);
    expect(o.mSOL?.marketRate).toBeCloseTo(1.3, 8);
    for (const x of r.observations) expect(checkObservation(x)).toEqual([]);
  });

  it('converts string amounts with bigint: a raw amount above 2^53 keeps its last digit', async () => {
    lb = await startJupiterLoopback((req) => {
      const amount = req.query.get('amount') as string;
      const out = amount === '9000000000000000' ? '9007199254740995' : amount; // probe: 1 token → 1 SOL
      return { body: quoteResponse({ inputMint: JITOSOL_MINT, outputMint: SOL_MINT, inAmount: amount, outAmount: out, priceImpactPct: '0.0009' }) };
    });
    const src = createJupiterQuoteSource({ baseUrl: lb.baseUrl, assets: { JitoSOL: JITOSOL_MINT }, sizesBase: [9_000_000] });
    const r = await src.read(NOW);
    expect(r.failures).toEqual([]);
    expect(lb.requests.map((q) => q.query.get('amount'))).toEqual(['1000000000', '9000000000000000']);
    const rate = r.observations[0]?.marketRate;
    // 9007199254740995 / 9e15 correctly rounded; Number('9007199254740995') would have rounded the input first.
    expect(rate).toBe(Number(decimalQuotient(9_007_199_254_740_995n, 9_000_000_000_000_000n)));
    expect(rate).toBe(1.0007999171934439);
    expect(rate).not.toBe(Number('9007199254740995') / 9e15);
  });

  it.each([
    ['429', { status: 429, body: { error: 'Rate limit exceeded' } }, /HTTP 429/],
    ['500', { status: 500, body: { error: 'Internal error' } }, /HTTP 500/],
    ['non-JSON', { status: 200, body: '<html>502 Bad Gateway</html>' }, /malformed response, not JSON: "<html>502 Bad Gateway/],
    ['missing outAmount', { body: { inputMint: MSOL_MINT, outputMint: SOL_MINT, inAmount: '1000000000', swapMode: 'ExactIn' } }, /malformed QuoteResponse: outAmount/],
    [
      'numeric priceImpactPct',
      { body: { ...quoteResponse({ inputMint: MSOL_MINT, outputMint: SOL_MINT, inAmount: '1000000000', outAmount: '1300000000', priceImpactPct: '0' }), priceImpactPct: 0.1 } },
      /malformed QuoteResponse: priceImpactPct/,
    ],
    [
      'wrong inAmount',
      { body: quoteResponse({ inputMint: MSOL_MINT, outputMint: SOL_MINT, inAmount: '5', outAmount: '6', priceImpactPct: '0' }) },
      /quote is ExactIn for inAmount 5, asked ExactIn for 1000000000/,
    ],
  ] as Array<[string, LoopbackReply, RegExp]>)('%s → a failure for that asset naming the endpoint; the others read', async (_name, reply, pattern) => {
    lb = await startJupiterLoopback(mSolGets(reply));
    const src = createJupiterQuoteSource({ baseUrl: lb.baseUrl, assets: { JitoSOL: JITOSOL_MINT, mSOL: MSOL_MINT } });
    const r = await src.read(NOW);
    expect(r.observations.map((o) => o.asset)).toEqual(['JitoSOL']);
    expect(r.failures).toHaveLength(1);
    expect(r.failures[0]?.source).toBe('jupiter');
    expect(r.failures[0]?.assets).toEqual(['mSOL']);
    expect(r.failures[0]?.message).toContain(`mSOL: GET ${lb.baseUrl}/quote (probe 1 token, amount 1000000000)`);
    expect(r.failures[0]?.message).toMatch(pattern);
  });

  it('a slow answer → a timeout failure within timeoutMs', async () => {
    lb = await startJupiterLoopback(mSolGets({ delayMs: 2_000, body: {} }));
    const src = createJupiterQuoteSource({ baseUrl: lb.baseUrl, assets: { JitoSOL: JITOSOL_MINT, mSOL: MSOL_MINT }, timeoutMs: 150 });
    const t0 = Date.now();
    const r = await src.read(NOW);
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect(r.observations.map((o) => o.asset)).toEqual(['JitoSOL']);
    expect(r.failures[0]?.message).toMatch(/^mSOL: GET http:\/\/127\.0\.0\.1:\d+\/swap\/v1\/quote \(probe .*\): timed out after 150 ms$/);
  });

  it('an unreachable endpoint → failures, not a throw', async () => {
    const src = createJupiterQuoteSource({ baseUrl: 'http://127.0.0.1:9/swap/v1', assets: { JitoSOL: JITOSOL_MINT }, timeoutMs: 2_000 });
    const r = await src.read(NOW);
    expect(r.observations).toEqual([]);
    expect(r.failures[0]?.message).toMatch(/^JitoSOL: GET http:\/\/127\.0\.0\.1:9\/swap\/v1\/quote .*request failed/);
  });

  it('why the client is built by hand: createJupiterApiClient overwrites basePath', () => {
    const viaFactory = createJupiterApiClient({ basePath: 'http://127.0.0.1:1/swap/v1' }) as unknown as { configuration: Configuration };
    expect(viaFactory.configuration.basePath).toBe(JUPITER_LITE_BASE_URL);
    expect(new Configuration({ basePath: 'http://127.0.0.1:1/swap/v1' }).basePath).toBe('http://127.0.0.1:1/swap/v1');
  });

  it('config: defaults, key-dependent base URL, sorted sizes, validation', () => {
    const c = JupiterSourceSchema.parse({ assets: { JitoSOL: JITOSOL_MINT }, sizesBase: [1000, 1, 10] });
    expect(c).toMatchObject({ baseUrl: JUPITER_LITE_BASE_URL, quoteMint: SOL_MINT, slippageBps: 50, sizesBase: [1, 10, 1000] });
    expect(c.assets.JitoSOL).toEqual({ mint: JITOSOL_MINT, decimals: 9 });
    expect(JupiterSourceSchema.parse(c)).toEqual(c); // parsed config can be handed to the factory again
    expect(JupiterSourceSchema.parse({ apiKey: 'k', assets: { JitoSOL: JITOSOL_MINT } }).baseUrl).toBe(JUPITER_KEYED_BASE_URL);
    expect(() => createJupiterQuoteSource({ assets: { JitoSOL: 'nope' } })).toThrow(ConfigError);
    expect(() => createJupiterQuoteSource({ assets: { JitoSOL: JITOSOL_MINT }, sizesBase: [] })).toThrow(/sources\.jupiter\.sizesBase/);
  });
});
