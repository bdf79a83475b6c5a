import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { decodeEventLog, encodeFunctionData, getAddress, parseAbi, zeroAddress, type Abi, type Address, type Hex, type LocalAccount } from 'viem';
import { OPERATION, safeAbi, safeTxTypedData, type SafeTx } from '../../src/chains/evm/safe/safe-tx.js';
import { deploy, send, type Artifact, type TestChain } from './solidity.js';

/**
 * The real Safe v1.4.1 contracts on anvil, from the bytecode @safe-global/safe-contracts ships: the Safe
 * singleton, SafeProxyFactory, MultiSendCallOnly and CompatibilityFallbackHandler, and a Safe created
 * through the factory exactly as the Safe web app creates one (setup with the fallback handler).
 */

const require = createRequire(import.meta.url);
const ROOT = join(dirname(require.resolve('@safe-global/safe-contracts/package.json')), 'build', 'artifacts', 'contracts');

export function safeArtifact(path: string): Artifact & { deployedBytecode: Hex } {
  const j = JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { contractName: string; abi: Abi; bytecode: Hex; deployedBytecode: Hex };
  return { contractName: j.contractName, abi: j.abi, bytecode: j.bytecode, deployedBytecode: j.deployedBytecode };
}

export const SAFE_ARTIFACTS = {
  singleton: 'Safe.sol/Safe.json',
  factory: 'proxies/SafeProxyFactory.sol/SafeProxyFactory.json',
  multiSendCallOnly: 'libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json',
  multiSend: 'libraries/MultiSend.sol/MultiSend.json',
  fallbackHandler: 'handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json',
} as const;

export interface SafeDeployment {
  readonly singleton: Address;
  readonly factory: Address;
  readonly multiSendCallOnly: Address;
  readonly multiSend: Address;
  readonly fallbackHandler: Address;
}

export async function deploySafeContracts(t: TestChain): Promise<SafeDeployment> {
  return {
    singleton: await deploy(t, safeArtifact(SAFE_ARTIFACTS.singleton)),
    factory: await deploy(t, safeArtifact(SAFE_ARTIFACTS.factory)),
    multiSendCallOnly: await deploy(t, safeArtifact(SAFE_ARTIFACTS.multiSendCallOnly)),
    multiSend: await deploy(t, safeArtifact(SAFE_ARTIFACTS.multiSend)),
    fallbackHandler: await deploy(t, safeArtifact(SAFE_ARTIFACTS.fallbackHandler)),
  };
}

const setupAbi = parseAbi(['function setup(address[] _owners, uint256 _threshold, address to, bytes data, address fallbackHandler, address paymentToken, uint256 payment, address paymentReceiver)']);
const factoryAbi = parseAbi(['function createProxyWithNonce(address _singleton, bytes initializer, uint256 saltNonce) returns (address proxy)', 'event ProxyCreation(address indexed proxy, address singleton)']);

/** A Safe with these owners and threshold, created through the real factory; returns its address. */
export async function createSafe(t: TestChain, dep: SafeDeployment, owners: readonly Address[], threshold: number, salt = 1n): Promise<Address> {
  const initializer = encodeFunctionData({ abi: setupAbi, functionName: 'setup', args: [owners.map((o) => getAddress(o)), BigInt(threshold), zeroAddress, '0x', dep.fallbackHandler, zeroAddress, 0n, zeroAddress] });
  const receipt = await send(t, dep.factory, factoryAbi, 'createProxyWithNonce', [dep.singleton, initializer, salt]);
  for (const log of receipt.logs) {
    try {
      const e = decodeEventLog({ abi: factoryAbi, data: log.data, topics: log.topics });
      if (e.eventName === 'ProxyCreation') return getAddress(e.args.proxy);
    } catch {
      /* another contract's log */
    }
  }
  throw new Error('the factory created no proxy');
}

/** An owner's EIP-712 signature of a SafeTx (65 bytes, v 27/28). */
export async function ownerSignature(owner: LocalAccount, chainId: number, safe: Address, tx: SafeTx): Promise<Hex> {
  return owner.signTypedData!(safeTxTypedData(chainId, safe, tx));
}

/** Signatures in the order execTransaction requires: by owner address, ascending. */
export function packSignatures(sigs: ReadonlyArray<{ owner: Address; signature: Hex }>): Hex {
  const sorted = [...sigs].sort((a, b) => (BigInt(a.owner) < BigInt(b.owner) ? -1 : 1));
  return `0x${sorted.map((s) => s.signature.slice(2)).join('')}` as Hex;
}

/** execTransaction from `t`'s account (the relayer pays gas); returns the receipt. */
export async function execSafeTx(t: TestChain, safe: Address, tx: SafeTx, signatures: Hex) {
  return send(t, safe, safeAbi, 'execTransaction', [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, signatures]);
}

export { OPERATION };
