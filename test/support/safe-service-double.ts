import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getAddress, hexToNumber, isAddress, isHex, recoverAddress, recoverMessageAddress, slice, concat, toHex, type Address, type Hex, type PublicClient } from 'viem';
import { safeAbi } from '../../src/chains/evm/safe/safe-tx.js';

/**
 * A loopback Safe Transaction Service: the endpoints the keeper uses, checking what the real service
 * checks (history/serializers.py): the safeTxHash is recomputed — here by the Safe contract itself
 * (getTransactionHash over RPC), independent of the keeper's EIP-712 code — and must match; `sender` must
 * be an owner (read from the chain) or a registered delegate; a signature, when given, must recover to
 * `sender` (v 27/28 typed-data, v 31/32 eth_sign); a DELEGATE_CALL only to a trusted contract. Posting the
 * same hash again is accepted without a second record (idempotent by hash). Every POST is logged.
 */

export interface StoredTx {
  safe: Address;
  to: Address;
  value: string;
  data: Hex;
  operation: number;
  safeTxGas: string;
  baseGas: string;
  gasPrice: string;
  gasToken: Address;
  refundReceiver: Address;
  nonce: number;
  safeTxHash: Hex;
  proposer: Address;
  origin: string | null;
  confirmations: Array<{ owner: Address; signature: Hex; submissionDate: string }>;
}

export interface PostRecord {
  readonly path: string;
  readonly status: number;
  readonly authorization: string | undefined;
  readonly body: Record<string, unknown>;
  readonly error?: string | undefined;
}

export interface SafeServiceDouble {
  readonly url: string;
  readonly posts: PostRecord[];
  readonly txs: Map<string, StoredTx>;
  /** Refuse every request with this status while set (outage simulation). */
  outage: number | undefined;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The address a Safe signature recovers to: v 27/28 signs the hash itself, v 31/32 the eth_sign-prefixed hash. */
async function signer(hash: Hex, signature: Hex): Promise<Address> {
  if (!isHex(signature) || (signature.length - 2) / 2 !== 65) throw new Error('signature must be 65 bytes');
  const v = hexToNumber(slice(signature, 64, 65));
  if (v === 27 || v === 28) return recoverAddress({ hash, signature });
  if (v === 31 || v === 32) return recoverMessageAddress({ message: { raw: hash }, signature: concat([slice(signature, 0, 64), toHex(v - 4, { size: 1 })]) });
  throw new Error(`signature v ${v} is neither 27/28 nor 31/32`);
}

export async function startSafeServiceDouble(o: { client: PublicClient; apiKey?: string; delegates?: Record<string, readonly Address[]>; trustedDelegateCallTargets: readonly Address[] }): Promise<SafeServiceDouble> {
  const posts: PostRecord[] = [];
  const txs = new Map<string, StoredTx>();
  const state = { outage: undefined as number | undefined };
  const isOwner = (safe: Address, who: Address) => o.client.readContract({ address: safe, abi: safeAbi, functionName: 'isOwner', args: [who] });

  async function propose(safe: Address, b: Record<string, unknown>): Promise<{ status: number; error?: string }> {
    const fields = ['to', 'value', 'data', 'operation', 'safeTxGas', 'baseGas', 'gasPrice', 'gasToken', 'refundReceiver', 'nonce', 'contractTransactionHash', 'sender'];
    for (const f of fields) if (b[f] === undefined || b[f] === null) return { status: 400, error: `${f}: This field is required.` };
    if (!isAddress(String(b.to)) || !isAddress(String(b.sender))) return { status: 400, error: 'to/sender: not an address' };
    const nonce = BigInt(String(b.nonce));
    const current = await o.client.readContract({ address: safe, abi: safeAbi, functionName: 'nonce' });
    if (nonce < current) return { status: 422, error: `Nonce=${nonce} too low for safe=${safe}` };
    const operation = Number(b.operation);
    if (operation === 1 && !o.trustedDelegateCallTargets.some((t) => getAddress(t) === getAddress(String(b.to)))) return { status: 422, error: `Operation DELEGATE_CALL is not allowed for untrusted contract ${String(b.to)}` };
    const hash = await o.client.readContract({
      address: safe,
      abi: safeAbi,
      functionName: 'getTransactionHash',
      args: [getAddress(String(b.to)), BigInt(String(b.value)), (b.data ?? '0x') as Hex, operation, BigInt(String(b.safeTxGas)), BigInt(String(b.baseGas)), BigInt(String(b.gasPrice)), getAddress(String(b.gasToken)), getAddress(String(b.refundReceiver)), nonce],
    });
    if (hash.toLowerCase() !== String(b.contractTransactionHash).toLowerCase()) return { status: 422, error: `Contract-transaction-hash=${hash} does not match provided contract-tx-hash=${String(b.contractTransactionHash)}` };
    const sender = getAddress(String(b.sender));
    const owner = await isOwner(safe, sender);
    const delegate = (o.delegates?.[getAddress(safe)] ?? []).some((d) => getAddress(d) === sender);
    if (!owner && !delegate) return { status: 422, error: `Sender=${sender} is not an owner or delegate` };
    const signature = b.signature as Hex | undefined;
    if (signature) {
      let who: Address;
      try {
        who = await signer(hash, signature);
      } catch (e) {
        return { status: 422, error: `signature: ${(e as Error).message}` };
      }
      if (getAddress(who) !== sender) return { status: 422, error: `Signer=${who} is not the provided sender=${sender}` };
    }
    const existing = txs.get(hash.toLowerCase());
    if (existing) return { status: 201 };
    txs.set(hash.toLowerCase(), {
      safe,
      to: getAddress(String(b.to)),
      value: String(b.value),
      data: (b.data ?? '0x') as Hex,
      operation,
      safeTxGas: String(b.safeTxGas),
      baseGas: String(b.baseGas),
      gasPrice: String(b.gasPrice),
      gasToken: getAddress(String(b.gasToken)),
      refundReceiver: getAddress(String(b.refundReceiver)),
      nonce: Number(nonce),
      safeTxHash: hash,
      proposer: sender,
      origin: typeof b.origin === 'string' ? b.origin : null,
      confirmations: owner && signature ? [{ owner: sender, signature, submissionDate: new Date().toISOString() }] : [],
    });
    return { status: 201 };
  }

  async function confirm(hash: string, b: Record<string, unknown>): Promise<{ status: number; error?: string }> {
    const tx = txs.get(hash.toLowerCase());
    if (!tx) return { status: 404, error: 'No MultisigTransaction matches the given query.' };
    let who: Address;
    try {
      who = getAddress(await signer(tx.safeTxHash, b.signature as Hex));
    } catch (e) {
      return { status: 400, error: (e as Error).message };
    }
    if (!(await isOwner(tx.safe, who))) return { status: 400, error: `Signer=${who} is not an owner` };
    if (!tx.confirmations.some((c) => c.owner === who)) tx.confirmations.push({ owner: who, signature: b.signature as Hex, submissionDate: new Date().toISOString() });
    return { status: 201 };
  }

  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      if (state.outage) return send(res, state.outage, { detail: 'outage' });
      if (o.apiKey && req.headers.authorization !== `Bearer ${o.apiKey}`) return send(res, 401, { detail: 'Authentication credentials were not provided.' });
      let m = /^\/v2\/safes\/(0x[0-9a-fA-F]{40})\/multisig-transactions\/$/.exec(path);
      if (m && req.method === 'POST') {
        const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
        const r = await propose(getAddress(m[1] as string), body);
        posts.push({ path, status: r.status, authorization: req.headers.authorization, body, error: r.error });
        return send(res, r.status, r.error ? { nonFieldErrors: [r.error] } : {});
      }
      if (m && req.method === 'GET') {
        const safe = getAddress(m[1] as string);
        const results = [...txs.values()].filter((t) => t.safe === safe).sort((a, b) => b.nonce - a.nonce);
        return send(res, 200, { count: results.length, results });
      }
      m = /^\/v1\/multisig-transactions\/(0x[0-9a-fA-F]{64})\/confirmations\/$/.exec(path);
      if (m && req.method === 'POST') {
        const body = JSON.parse(await readBody(req)) as Record<string, unknown>;
        const r = await confirm(m[1] as string, body);
        return send(res, r.status, r.error ? { detail: r.error } : {});
      }
      m = /^\/v2\/multisig-transactions\/(0x[0-9a-fA-F]{64})\/$/.exec(path);
      if (m && req.method === 'GET') {
        const tx = txs.get((m[1] as string).toLowerCase());
        if (!tx) return send(res, 404, { detail: 'Not found.' });
        const threshold = await o.client.readContract({ address: tx.safe, abi: safeAbi, functionName: 'getThreshold' });
        return send(res, 200, { ...tx, confirmationsRequired: Number(threshold), isExecuted: false, transactionHash: null });
      }
      send(res, 404, { detail: `no route ${req.method} ${path}` });
    })().catch((e: unknown) => send(res, 500, { detail: (e as Error).message }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    txs,
    get outage() {
      return state.outage;
    },
    set outage(v: number | undefined) {
      state.outage = v;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
