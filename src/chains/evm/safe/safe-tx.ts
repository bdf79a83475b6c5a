import {
  concat,
  decodeFunctionData,
  encodeFunctionData,
  encodePacked,
  getAddress,
  hashTypedData,
  parseAbi,
  size,
  slice,
  hexToBigInt,
  hexToNumber,
  zeroAddress,
  type Address,
  type Hex,
} from 'viem';

/**
 * The Safe transaction as Safe ≥ 1.3.0 hashes it (EIP-712, domain {chainId, verifyingContract}), the
 * MultiSend batch encoding, and the few Safe calls the proposer reads. Facts: ../shared/reference/safe.md
 * (Safe.sol SAFE_TX_TYPEHASH, MultiSend.sol v1.4.1).
 */

export const OPERATION = { call: 0, delegatecall: 1 } as const;

export interface SafeTx {
  readonly to: Address;
  readonly value: bigint;
  readonly data: Hex;
  readonly operation: 0 | 1;
  readonly safeTxGas: bigint;
  readonly baseGas: bigint;
  readonly gasPrice: bigint;
  readonly gasToken: Address;
  readonly refundReceiver: Address;
  readonly nonce: bigint;
}

export const SAFE_TX_TYPES = {
  SafeTx: [
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'data', type: 'bytes' },
    { name: 'operation', type: 'uint8' },
    { name: 'safeTxGas', type: 'uint256' },
    { name: 'baseGas', type: 'uint256' },
    { name: 'gasPrice', type: 'uint256' },
    { name: 'gasToken', type: 'address' },
    { name: 'refundReceiver', type: 'address' },
    { name: 'nonce', type: 'uint256' },
  ],
} as const;

/** The EIP-712 typed data of a SafeTx, as eth_signTypedData_v4 (and viem's signTypedData) take it. */
export function safeTxTypedData(chainId: number, safe: Address, tx: SafeTx) {
  return {
    domain: { chainId, verifyingContract: getAddress(safe) },
    types: SAFE_TX_TYPES,
    primaryType: 'SafeTx' as const,
    message: { ...tx, to: getAddress(tx.to), gasToken: getAddress(tx.gasToken), refundReceiver: getAddress(tx.refundReceiver) },
  };
}

export function safeTxHash(chainId: number, safe: Address, tx: SafeTx): Hex {
  return hashTypedData(safeTxTypedData(chainId, safe, tx));
}

/**
 * A SafeTx the signers' executor pays for: no refund (gasPrice 0, no gas token, no refund receiver) and
 * safeTxGas 0, so a reverting inner call reverts execTransaction itself and the nonce stays free.
 */
export function plainSafeTx(p: { to: Address; value?: bigint; data: Hex; operation: 0 | 1; nonce: bigint }): SafeTx {
  return { to: getAddress(p.to), value: p.value ?? 0n, data: p.data, operation: p.operation, safeTxGas: 0n, baseGas: 0n, gasPrice: 0n, gasToken: zeroAddress, refundReceiver: zeroAddress, nonce: p.nonce };
}

/** The Safe web app's "reject": a 0-value call to the Safe itself with no data, at the nonce it takes. */
export function rejectionSafeTx(safe: Address, nonce: bigint): SafeTx {
  return plainSafeTx({ to: safe, data: '0x', operation: OPERATION.call, nonce });
}

export function isRejection(safe: Address, tx: Pick<SafeTx, 'to' | 'value' | 'data' | 'operation'>): boolean {
  return getAddress(tx.to) === getAddress(safe) && tx.value === 0n && tx.data === '0x' && tx.operation === 0;
}

export interface InnerCall {
  readonly to: Address;
  readonly value: bigint;
  readonly data: Hex;
  /** Always 0 (call) here: MultiSendCallOnly refuses anything else. */
  readonly operation: 0 | 1;
}

/** multiSend's packed transactions: operation u8 ‖ to (20 bytes) ‖ value u256 ‖ dataLength u256 ‖ data, back to back. */
export function encodeMultiSendTransactions(calls: readonly InnerCall[]): Hex {
  return concat(calls.map((c) => encodePacked(['uint8', 'address', 'uint256', 'uint256', 'bytes'], [c.operation, getAddress(c.to), c.value, BigInt(size(c.data)), c.data])));
}

/** The inverse of encodeMultiSendTransactions; throws on a truncated or trailing-garbage encoding. */
export function decodeMultiSendTransactions(packed: Hex): InnerCall[] {
  const out: InnerCall[] = [];
  const total = size(packed);
  let i = 0;
  while (i < total) {
    if (i + 85 > total) throw new Error(`multiSend transactions truncated at byte ${i} of ${total}`);
    const operation = hexToNumber(slice(packed, i, i + 1));
    if (operation !== 0 && operation !== 1) throw new Error(`multiSend item at byte ${i}: operation ${operation} is neither call (0) nor delegatecall (1)`);
    const to = getAddress(slice(packed, i + 1, i + 21));
    const value = hexToBigInt(slice(packed, i + 21, i + 53));
    const len = Number(hexToBigInt(slice(packed, i + 53, i + 85)));
    if (i + 85 + len > total) throw new Error(`multiSend item at byte ${i}: data length ${len} runs past the end`);
    const data = len === 0 ? '0x' : slice(packed, i + 85, i + 85 + len);
    out.push({ to, value, data, operation });
    i += 85 + len;
  }
  return out;
}

export const multiSendAbi = parseAbi(['function multiSend(bytes transactions) payable']);

export function multiSendCalldata(calls: readonly InnerCall[]): Hex {
  return encodeFunctionData({ abi: multiSendAbi, functionName: 'multiSend', args: [encodeMultiSendTransactions(calls)] });
}

export function decodeMultiSendCalldata(data: Hex): InnerCall[] {
  const d = decodeFunctionData({ abi: multiSendAbi, data });
  return decodeMultiSendTransactions(d.args[0]);
}

export const safeAbi = parseAbi([
  'function nonce() view returns (uint256)',
  'function getThreshold() view returns (uint256)',
  'function getOwners() view returns (address[])',
  'function isOwner(address owner) view returns (bool)',
  'function VERSION() view returns (string)',
  'function getTransactionHash(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce) view returns (bytes32)',
  'function execTransaction(address to, uint256 value, bytes data, uint8 operation, uint256 safeTxGas, uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, bytes signatures) payable returns (bool success)',
  'function getStorageAt(uint256 offset, uint256 length) view returns (bytes)',
  'event ExecutionSuccess(bytes32 indexed txHash, uint256 payment)',
  'event ExecutionFailure(bytes32 indexed txHash, uint256 payment)',
]);

/** CompatibilityFallbackHandler.simulate: the Safe delegatecalls `targetContract` with the payload and reports, then undoes it. */
export const fallbackSimulateAbi = parseAbi(['function simulate(address targetContract, bytes calldataPayload) returns (bytes response)']);

/** The Safe's own hash of a SafeTx (getTransactionHash), for checking ours against. */
export function getTransactionHashArgs(tx: SafeTx) {
  return [tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, tx.nonce] as const;
}

/** The SafeTx fields of an execTransaction call (for telling what took a nonce). Undefined when `input` is not one. */
export function decodeExecTransaction(input: Hex): Omit<SafeTx, 'nonce'> | undefined {
  try {
    const d = decodeFunctionData({ abi: safeAbi, data: input });
    if (d.functionName !== 'execTransaction') return undefined;
    const [to, value, data, operation, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver] = d.args;
    return { to, value, data, operation: operation === 1 ? 1 : 0, safeTxGas, baseGas, gasPrice, gasToken, refundReceiver };
  } catch {
    return undefined;
  }
}

/** The fallback-handler storage slot (keccak256("fallback_manager.handler.address")). */
export const FALLBACK_HANDLER_SLOT = 0x6c9a6c4a39284e37ed1cf53d337577d14212a4870fb976a4366c693b939918d5n;
