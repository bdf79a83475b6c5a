import { getAddress, keccak256, type Address, type Hex, type PublicClient } from 'viem';
import type { TxIntent } from '../evm-tx.js';
import { decodeMultiSendCalldata, OPERATION, type SafeTx } from './safe-tx.js';

/**
 * The Safe-level half of the guard. Every inner call has already passed the transaction policy (the same
 * checkBatch the EOA path uses, per action). What is left is the wrapper, which the policy cannot see:
 * a Safe transaction with operation = DELEGATECALL runs the target's code with the Safe's storage and
 * funds, so it may only ever target MultiSendCallOnly, and the batch it carries must be exactly the
 * calls the policy allowed, each a plain CALL.
 */

/** keccak256 of MultiSendCallOnly v1.4.1's runtime code (equal to safe-deployments' canonical codeHash). */
export const MULTISEND_CALL_ONLY_141_CODEHASH: Hex = '0xecd5bd14a08c5d2122379900b2f272bdf107a7e92423c10dd5fe3254386c9939';

export type SafeGuardVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/**
 * Checks the wrapper: a DELEGATECALL only to `multiSendCallOnly`; its payload decodes to exactly
 * `allowed` (same order, targets, values and calldata), every item a CALL; a plain CALL must itself be
 * one of the allowed calls. Nothing of value rides on the wrapper (value 0) and no refund is paid.
 */
export function checkSafeTx(tx: SafeTx, o: { multiSendCallOnly: Address; allowed: readonly Pick<TxIntent, 'to' | 'value' | 'data'>[] }): SafeGuardVerdict {
  if (tx.gasPrice !== 0n || tx.baseGas !== 0n || getAddress(tx.refundReceiver) !== getAddress('0x0000000000000000000000000000000000000000')) {
    return { allowed: false, reason: 'the Safe transaction pays a gas refund (gasPrice/baseGas/refundReceiver set); the keeper proposes refund-free transactions only' };
  }
  if (tx.operation === OPERATION.delegatecall) {
    if (getAddress(tx.to) !== getAddress(o.multiSendCallOnly)) {
      return { allowed: false, reason: `delegatecall target ${getAddress(tx.to)} is not MultiSendCallOnly (${getAddress(o.multiSendCallOnly)}): a delegatecall runs foreign code with the Safe's storage and funds` };
    }
    if (tx.value !== 0n) return { allowed: false, reason: 'a delegatecall to MultiSendCallOnly carries no value of its own (inner calls spend the Safe\'s balance)' };
    let inner;
    try {
      inner = decodeMultiSendCalldata(tx.data);
    } catch (e) {
      return { allowed: false, reason: `the MultiSendCallOnly payload does not decode: ${(e as Error).message}` };
    }
    if (inner.length !== o.allowed.length) return { allowed: false, reason: `the batch holds ${inner.length} calls but the policy allowed ${o.allowed.length}` };
    for (const [i, c] of inner.entries()) {
      const a = o.allowed[i]!;
      if (c.operation !== OPERATION.call) return { allowed: false, reason: `inner call ${i + 1} is a delegatecall: only plain calls may be batched` };
      if (getAddress(c.to) !== getAddress(a.to) || c.value !== a.value || c.data.toLowerCase() !== a.data.toLowerCase()) {
        return { allowed: false, reason: `inner call ${i + 1} (to ${c.to}) is not the call the policy allowed at that position (to ${a.to})` };
      }
    }
    return { allowed: true };
  }
  const match = o.allowed.length === 1 && getAddress(o.allowed[0]!.to) === getAddress(tx.to) && o.allowed[0]!.value === tx.value && o.allowed[0]!.data.toLowerCase() === tx.data.toLowerCase();
  return match ? { allowed: true } : { allowed: false, reason: 'a plain-call Safe transaction must be the single call the policy allowed' };
}

/**
 * The configured MultiSendCallOnly must really be MultiSendCallOnly: its deployed code is compared with
 * v1.4.1's (MultiSend, which allows nested delegatecalls, has different code and is refused).
 */
export async function verifyMultiSendCallOnly(client: Pick<PublicClient, 'getCode'>, address: Address, accepted: readonly Hex[] = [MULTISEND_CALL_ONLY_141_CODEHASH]): Promise<SafeGuardVerdict> {
  const code = await client.getCode({ address });
  if (!code || code === '0x') return { allowed: false, reason: `no contract at the configured MultiSendCallOnly address ${address}` };
  const hash = keccak256(code);
  return accepted.includes(hash) ? { allowed: true } : { allowed: false, reason: `the contract at ${address} is not MultiSendCallOnly v1.4.1 (code hash ${hash})` };
}
