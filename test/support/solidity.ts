import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import solc from 'solc';
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  http,
  type Abi,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from 'viem';
import { mnemonicToAccount, type HDAccount } from 'viem/accounts';

/**
 * Solidity for tests: compile with solc-js (standard JSON, optimizer on, cached by content hash for the
 * life of the process) and deploy / transact on an anvil node with its first default account.
 */

export interface Artifact {
  readonly contractName: string;
  readonly abi: Abi;
  readonly bytecode: Hex;
}

export interface CompileOptions {
  readonly optimizerRuns?: number;
  /** solc's evmVersion; default = the compiler's default. */
  readonly evmVersion?: string;
}

interface SolcOutput {
  errors?: { severity: 'error' | 'warning' | 'info'; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>>;
}

const compiled = new Map<string, Readonly<Record<string, Artifact>>>();

/**
 * Compiles `sources` (file name → source text) and returns every contract by name (and by
 * "file:Name" as well, for names defined in several files). Throws with solc's messages on errors.
 */
export function compileSolidity(sources: Readonly<Record<string, string>>, opts: CompileOptions = {}): Readonly<Record<string, Artifact>> {
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).sort(([a], [b]) => a.localeCompare(b)).map(([name, content]) => [name, { content }])),
    settings: {
      optimizer: { enabled: true, runs: opts.optimizerRuns ?? 200 },
      ...(opts.evmVersion ? { evmVersion: opts.evmVersion } : {}),
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
    },
  };
  const text = JSON.stringify(input);
  const key = createHash('sha256').update(solc.version()).update(text).digest('hex');
  const hit = compiled.get(key);
  if (hit) return hit;
  const out = JSON.parse(solc.compile(text)) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) throw new Error(`solc ${solc.version()} failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  const result: Record<string, Artifact> = {};
  for (const [file, contracts] of Object.entries(out.contracts ?? {})) {
    for (const [name, c] of Object.entries(contracts)) {
      const artifact: Artifact = { contractName: name, abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` };
      result[`${file}:${name}`] = artifact;
      if (!(name in result)) result[name] = artifact;
    }
  }
  const frozen = Object.freeze(result);
  compiled.set(key, frozen);
  return frozen;
}

/** Every .sol file of a directory, compiled together. */
export function compileDir(dir: string, opts: CompileOptions = {}): Readonly<Record<string, Artifact>> {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sol'));
  return compileSolidity(Object.fromEntries(files.map((f) => [basename(f), readFileSync(join(dir, f), 'utf8')])), opts);
}

export function artifact(artifacts: Readonly<Record<string, Artifact>>, name: string): Artifact {
  const a = artifacts[name];
  if (!a) throw new Error(`no compiled contract ${name} (have ${Object.keys(artifacts).filter((k) => !k.includes(':')).join(', ')})`);
  return a;
}

/** anvil's well-known public test mnemonic (its default accounts; never use for anything real). */
export const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';

export function anvilAccount(index = 0): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

export interface TestChain {
  readonly chain: Chain;
  readonly account: HDAccount;
  readonly wallet: WalletClient<Transport, Chain, HDAccount>;
  readonly client: PublicClient<Transport, Chain>;
}

export function testChain(rpcUrl: string, opts: { chainId?: number; accountIndex?: number } = {}): TestChain {
  const chain = defineChain({
    id: opts.chainId ?? 1,
    name: 'anvil',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const account = anvilAccount(opts.accountIndex ?? 0);
  const transport = http(rpcUrl, { retryCount: 0 });
  return {
    chain,
    account,
    wallet: createWalletClient({ chain, account, transport }),
    client: createPublicClient({ chain, transport }),
  };
}

function assertSuccess(receipt: TransactionReceipt, what: string): TransactionReceipt {
  if (receipt.status !== 'success') throw new Error(`${what} reverted (tx ${receipt.transactionHash})`);
  return receipt;
}

/** Deploys and waits for the receipt; returns the contract address (checksummed). */
export async function deploy(t: TestChain, a: Artifact, args: readonly unknown[] = []): Promise<Address> {
  const hash = await t.wallet.deployContract({ abi: a.abi, bytecode: a.bytecode, args } as Parameters<typeof t.wallet.deployContract>[0]);
  const receipt = assertSuccess(await t.client.waitForTransactionReceipt({ hash, pollingInterval: 20 }), `deploying ${a.contractName}`);
  if (!receipt.contractAddress) throw new Error(`deploying ${a.contractName}: no contract address in the receipt`);
  return getAddress(receipt.contractAddress);
}

/** Sends a transaction calling `functionName` and waits for it to be mined successfully. */
export async function send(t: TestChain, address: Address, abi: Abi, functionName: string, args: readonly unknown[] = []): Promise<TransactionReceipt> {
  const hash = await t.wallet.writeContract({ address, abi, functionName, args } as Parameters<typeof t.wallet.writeContract>[0]);
  return assertSuccess(await t.client.waitForTransactionReceipt({ hash, pollingInterval: 20 }), `${functionName} on ${address}`);
}
