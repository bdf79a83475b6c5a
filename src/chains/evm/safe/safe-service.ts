import { getAddress, type Address, type Hex } from 'viem';
import { z } from 'zod';
import { KeeperError } from '../../../errors.js';
import type { SafeTx } from './safe-tx.js';

/**
 * A client for the two Safe Transaction Service endpoints the proposer uses (the api-kit's
 * proposeTransaction and getTransaction): POST {base}/v2/safes/{safe}/multisig-transactions/ and
 * GET {base}/v2/multisig-transactions/{safeTxHash}/. The API key goes in the Authorization header only;
 * no message, log line or error here ever includes it.
 */

export class SafeServiceError extends KeeperError {}

export interface ProposalBody {
  readonly to: Address;
  readonly value: string;
  readonly data: Hex;
  readonly operation: number;
  readonly safeTxGas: string;
  readonly baseGas: string;
  readonly gasPrice: string;
  readonly gasToken: Address;
  readonly refundReceiver: Address;
  readonly nonce: number;
  readonly contractTransactionHash: Hex;
  readonly sender: Address;
  readonly signature: Hex;
  readonly origin: string;
}

export function proposalBody(tx: SafeTx, p: { safeTxHash: Hex; sender: Address; signature: Hex; origin: string }): ProposalBody {
  return {
    to: getAddress(tx.to),
    value: tx.value.toString(),
    data: tx.data,
    operation: tx.operation,
    safeTxGas: tx.safeTxGas.toString(),
    baseGas: tx.baseGas.toString(),
    gasPrice: tx.gasPrice.toString(),
    gasToken: getAddress(tx.gasToken),
    refundReceiver: getAddress(tx.refundReceiver),
    nonce: Number(tx.nonce),
    contractTransactionHash: p.safeTxHash,
    sender: getAddress(p.sender),
    signature: p.signature,
    origin: p.origin,
  };
}

const ServiceTxSchema = z.object({
  safeTxHash: z.string(),
  nonce: z.union([z.number(), z.string()]).transform((n) => Number(n)),
  confirmationsRequired: z.number().int().nullable().optional(),
  confirmations: z.array(z.object({ owner: z.string(), signature: z.string().nullable().optional() })).nullable().optional(),
  isExecuted: z.boolean().optional(),
  transactionHash: z.string().nullable().optional(),
});
export type ServiceTransaction = z.output<typeof ServiceTxSchema>;

export interface SafeServiceOptions {
  readonly baseUrl: string;
  readonly apiKey?: string | undefined;
  readonly timeoutMs?: number | undefined;
}

export class SafeTxServiceClient {
  readonly #base: string;
  readonly #key: string | undefined;
  readonly #timeout: number;

  constructor(o: SafeServiceOptions) {
    this.#base = o.baseUrl.replace(/\/+$/, '');
    this.#key = o.apiKey;
    this.#timeout = o.timeoutMs ?? 20_000;
  }

  /** The host only: service URLs may carry tokens in paths or queries. */
  get host(): string {
    try {
      return new URL(this.#base).host;
    } catch {
      return '(invalid url)';
    }
  }

  async #request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; text: string }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#key) headers.authorization = `Bearer ${this.#key}`;
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(this.#timeout) });
    } catch (e) {
      const why = (e as Error).name === 'TimeoutError' ? `no answer within ${this.#timeout} ms` : (e as Error).message;
      throw new SafeServiceError(`Safe Transaction Service ${this.host}: ${method} ${path} failed: ${why}`, { host: this.host, path });
    }
    return { status: res.status, text: await res.text() };
  }

  /** Propose (idempotent on the service's side: the same safeTxHash again is the same proposal). */
  async propose(safe: Address, body: ProposalBody): Promise<void> {
    const path = `/v2/safes/${getAddress(safe)}/multisig-transactions/`;
    const r = await this.#request('POST', path, body);
    if (r.status >= 200 && r.status < 300) return;
    throw new SafeServiceError(`Safe Transaction Service ${this.host} refused the proposal ${body.contractTransactionHash} (HTTP ${r.status}): ${r.text.slice(0, 300)}`, { status: r.status, host: this.host, safeTxHash: body.contractTransactionHash });
  }

  /** The service's view of a proposal (confirmations so far), or undefined when it does not know the hash. */
  async transaction(safeTxHash: Hex): Promise<ServiceTransaction | undefined> {
    const path = `/v2/multisig-transactions/${safeTxHash}/`;
    const r = await this.#request('GET', path);
    if (r.status === 404) return undefined;
    if (r.status < 200 || r.status >= 300) throw new SafeServiceError(`Safe Transaction Service ${this.host}: GET ${path} answered HTTP ${r.status}: ${r.text.slice(0, 300)}`, { status: r.status, host: this.host });
    let json: unknown;
    try {
      json = JSON.parse(r.text);
    } catch {
      throw new SafeServiceError(`Safe Transaction Service ${this.host}: GET ${path} did not answer JSON`, { host: this.host });
    }
    const p = ServiceTxSchema.safeParse(json);
    if (!p.success) throw new SafeServiceError(`Safe Transaction Service ${this.host}: GET ${path}: unexpected shape: ${p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { host: this.host });
    return p.data;
  }
}
