import { Configuration, FetchError, ResponseError, SwapApi } from '@jup-ag/api';
import { z } from 'zod';
import { parseSection } from '../../config/parse-section.js';
import { checkObservation } from '../../domain/observation-check.js';
import type { Observation } from '../../domain/observation.js';
import type { EpochMs } from '../../domain/time.js';
import { ratio } from '../solana/bytes.js';
import type { SourceFailure, SourceRead, YieldSource } from '../yield-source.js';
import { JupiterSourceSchema, type JupiterSourceConfig, type JupiterSourceInput } from './jupiter-source-config.js';

/**
 * DEX exit quotes through Jupiter (`@jup-ag/api` 6.x), mapped to Observation fields:
 * - marketRate  = SOL out per whole token in the quote at the SMALLEST size in sizesBase;
 * - exitImpact  = Number(priceImpactPct) of the quote at the LARGEST size (already a fraction, B7);
 * - exitSizeBase = that largest size (whole SOL);
 * - ref = `slot:<contextSlot>` of that quote when Jupiter reports it.
 *
 * Sizing: a size S is "S whole SOL worth" of the token, so its input amount is S ÷ (token's SOL rate).
 * The rate comes from a first, small probe quote (probeTokens whole tokens, default 1) in the same read —
 * not from config, so it cannot go stale and needs no other source. Cost: one extra request per asset.
 * Token decimals come from config (default 9, true of every LST in config/assets/solana.yaml).
 *
 * Client: `new SwapApi(new Configuration({ basePath, fetchApi, headers }))` — NOT createJupiterApiClient,
 * which overwrites basePath (so it could never point at a proxy or a test server). Responses are read raw
 * and validated with zod (the generated client does not validate). Raw amounts are strings and are
 * handled as bigint throughout; QuoteGetRequest.amount is typed `number`, but the client only ever
 * String()s it into the query, so the exact bigint is passed through.
 *
 * Failures never escape read(): 429/5xx, malformed bodies, timeouts and mismatching quotes are a failure
 * for that asset naming the endpoint.
 */

export interface JupiterQuoteSourceDeps {
  /** Replaces global fetch, e.g. a rate-limited one shared with other callers. */
  readonly fetchApi?: typeof fetch;
}

const U64_MAX = 2n ** 64n - 1n;
const rawAmount = z
  .string()
  .regex(/^\d{1,20}$/, 'an integer amount as a decimal string')
  .refine((s) => BigInt(s) <= U64_MAX, 'a u64');
const decimalString = z.string().regex(/^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, 'a decimal number as a string');

/** The fields of QuoteResponse (jupiter-quote-api-node swagger) this source relies on; extra fields pass. */
export const QuoteResponseSchema = z.object({
  inputMint: z.string(),
  inAmount: rawAmount,
  outputMint: z.string(),
  outAmount: rawAmount,
  otherAmountThreshold: rawAmount,
  swapMode: z.enum(['ExactIn', 'ExactOut']),
  slippageBps: z.number().int(),
  priceImpactPct: decimalString,
  routePlan: z
    .array(
      z.object({
        swapInfo: z.object({
          ammKey: z.string(),
          label: z.string().nullish(),
          inputMint: z.string(),
          outputMint: z.string(),
          inAmount: rawAmount,
          outAmount: rawAmount,
        }),
        percent: z.number().nullish(),
        bps: z.number().nullish(),
      }),
    )
    .min(1, 'at least one route step'),
  contextSlot: z.number().int().nonnegative().nullish(),
  timeTaken: z.number().nullish(),
});
export type ValidatedQuote = z.output<typeof QuoteResponseSchema>;

/** x whole units with `decimals` decimals → raw integer; only for amounts this source computes itself. */
function toRaw(x: number, decimals: number, what: string): bigint {
  const raw = Math.round(x * 10 ** decimals);
  if (!Number.isSafeInteger(raw) || raw <= 0) throw new Error(`${what}: ${x} is not expressible as a raw amount with ${decimals} decimals`);
  return BigInt(raw);
}

/** Base units out per whole token: (out / 10^quoteDecimals) / (in / 10^tokenDecimals), exact in bigint. */
export function quoteRate(q: ValidatedQuote, tokenDecimals: number, quoteDecimals: number): number {
  const inRaw = BigInt(q.inAmount);
  if (inRaw === 0n) throw new Error('quote inAmount is 0');
  return ratio(BigInt(q.outAmount) * 10n ** BigInt(tokenDecimals), inRaw * 10n ** BigInt(quoteDecimals));
}

class QuoteError extends Error {}

function describeError(e: unknown, timeoutMs: number): string {
  if (e instanceof ResponseError) return `HTTP ${e.response.status}${e.response.statusText ? ` ${e.response.statusText}` : ''}`;
  const cause = e instanceof FetchError ? e.cause : e;
  if (cause instanceof Error && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) return `timed out after ${timeoutMs} ms`;
  if (e instanceof FetchError) return `request failed: ${cause instanceof Error ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ''}` : String(cause)}`;
  return e instanceof Error ? e.message : String(e);
}

export class JupiterQuoteSource implements YieldSource {
  readonly name = 'jupiter';
  private readonly api: SwapApi;

  constructor(
    private readonly cfg: JupiterSourceConfig,
    deps: JupiterQuoteSourceDeps = {},
  ) {
    this.api = new SwapApi(
      new Configuration({
        basePath: cfg.baseUrl,
        ...(deps.fetchApi ? { fetchApi: deps.fetchApi } : {}),
        ...(cfg.apiKey ? { headers: { 'x-api-key': cfg.apiKey } } : {}),
      }),
    );
  }

  get endpoint(): string {
    return `${this.cfg.baseUrl}/quote`;
  }

  async read(now: EpochMs): Promise<SourceRead> {
    const ids = Object.keys(this.cfg.assets);
    const settled = await Promise.allSettled(ids.map((id) => this.readAsset(id, now)));
    const observations: Observation[] = [];
    const failures: SourceFailure[] = [];
    settled.forEach((s, i) => {
      const id = ids[i] as string;
      if (s.status === 'fulfilled') observations.push(s.value);
      else failures.push({ source: this.name, assets: [id], message: s.reason instanceof Error ? s.reason.message : String(s.reason) });
    });
    return { observations, failures };
  }

  private async readAsset(id: string, now: EpochMs): Promise<Observation> {
    const asset = this.cfg.assets[id] as { mint: string; decimals: number };
    const probeRaw = toRaw(this.cfg.probeTokens, asset.decimals, `${id} probe size`);
    const probe = await this.quote(id, asset.mint, probeRaw, `probe ${this.cfg.probeTokens} token`);
    const probeRate = quoteRate(probe, asset.decimals, this.cfg.quoteDecimals);
    if (!(probeRate > 0)) throw new QuoteError(`${id}: GET ${this.endpoint} (probe): outAmount is 0 — no route`);

    const quotes: ValidatedQuote[] = [];
    for (const size of this.cfg.sizesBase) {
      const amount = toRaw(size / probeRate, asset.decimals, `${id} size ${size}`);
      quotes.push(await this.quote(id, asset.mint, amount, `size ${size} base`));
    }
    const smallest = quotes[0] as ValidatedQuote;
    const largest = quotes[quotes.length - 1] as ValidatedQuote;
    const largestSize = this.cfg.sizesBase[this.cfg.sizesBase.length - 1] as number;
    const impact = Number(largest.priceImpactPct);
    const o: Observation = {
      time: now,
      asset: id,
      source: this.name,
      ...(largest.contextSlot != null ? { ref: `slot:${largest.contextSlot}` } : {}),
      marketRate: quoteRate(smallest, asset.decimals, this.cfg.quoteDecimals),
      // A slightly negative impact (a quote better than mid) is read as no impact.
      exitImpact: impact < 0 && impact > -0.01 ? 0 : impact,
      exitSizeBase: largestSize,
    };
    const problems = checkObservation(o);
    if (problems.length > 0) {
      throw new QuoteError(
        `${id}: GET ${this.endpoint}: quotes failed the checks: ${problems.map((p) => `${p.field}=${String(p.value)} (expected ${p.expected})`).join('; ')}`,
      );
    }
    return o;
  }

  private async quote(id: string, mint: string, amount: bigint, label: string): Promise<ValidatedQuote> {
    const where = `${id}: GET ${this.endpoint} (${label}, amount ${amount})`;
    const timeoutMs = this.cfg.timeoutMs;
    let body: string;
    let timer: NodeJS.Timeout | undefined;
    try {
      const request = (async () => {
        const res = await this.api.quoteGetRaw(
          {
            inputMint: mint,
            outputMint: this.cfg.quoteMint,
            // Typed number by the generator; the client String()s it, so the bigint goes out exact.
            amount: amount as unknown as number,
            slippageBps: this.cfg.slippageBps,
            swapMode: 'ExactIn',
          },
          { signal: AbortSignal.timeout(timeoutMs) },
        );
        return res.raw.text();
      })();
      // Belt and braces for a caller-supplied fetch that ignores the abort signal.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), timeoutMs + 50);
      });
      body = await Promise.race([request, timeout]);
    } catch (e) {
      throw new QuoteError(`${where}: ${describeError(e, timeoutMs)}`);
    } finally {
      clearTimeout(timer);
    }

    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new QuoteError(`${where}: malformed response, not JSON: ${JSON.stringify(body.slice(0, 120))}`);
    }
    const parsed = QuoteResponseSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new QuoteError(`${where}: malformed QuoteResponse: ${first}`);
    }
    const q = parsed.data;
    if (q.inputMint !== mint || q.outputMint !== this.cfg.quoteMint) {
      throw new QuoteError(`${where}: quote is for ${q.inputMint} → ${q.outputMint}, asked ${mint} → ${this.cfg.quoteMint}`);
    }
    if (q.swapMode !== 'ExactIn' || BigInt(q.inAmount) !== amount) {
      throw new QuoteError(`${where}: quote is ${q.swapMode} for inAmount ${q.inAmount}, asked ExactIn for ${amount}`);
    }
    return q;
  }
}

export function createJupiterQuoteSource(config: JupiterSourceInput, deps: JupiterQuoteSourceDeps = {}): JupiterQuoteSource {
  return new JupiterQuoteSource(parseSection(JupiterSourceSchema, config, ['sources', 'jupiter']), deps);
}
