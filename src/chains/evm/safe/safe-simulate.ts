import { BaseError, decodeFunctionResult, encodeFunctionData, hexToBigInt, type Abi, type Address, type Hex, type PublicClient } from 'viem';
import { simulateCalls } from 'viem/actions';
import { decodeRevert } from '../evm-adapter.js';
import { fallbackSimulateAbi, FALLBACK_HANDLER_SLOT, safeAbi, type InnerCall } from './safe-tx.js';

/**
 * The batch simulated as the Safe executes it: the Safe itself DELEGATECALLs MultiSendCallOnly with the
 * batch, through the CompatibilityFallbackHandler's `simulate` → the Safe's `simulateAndRevert`
 * (StorageAccessible), which runs the delegatecall in the Safe's context and then reverts it. Every inner
 * call therefore runs with msg.sender = the Safe, its balances and its allowances, exactly as
 * execTransaction will run them; nothing is changed.
 *
 * MultiSendCallOnly reverts without data when an inner call fails, so a failure is then located by
 * simulating the inner calls in sequence from the Safe's address (eth_simulateV1), for the failing call
 * and its decoded reason.
 */

export type SafeSimulation =
  | { readonly ok: true; readonly gas: bigint; readonly detail: Record<string, unknown> }
  | { readonly ok: false; readonly reason: string; readonly detail: Record<string, unknown> };

const msg = (e: unknown) => (e instanceof BaseError ? e.shortMessage : e instanceof Error ? e.message : String(e));

/** The Safe's fallback handler (zero address when none is set). */
export async function fallbackHandlerOf(client: PublicClient, safe: Address): Promise<Address> {
  const raw = await client.readContract({ address: safe, abi: safeAbi, functionName: 'getStorageAt', args: [FALLBACK_HANDLER_SLOT, 1n] });
  return `0x${raw.slice(-40)}` as Address;
}

export async function simulateAsSafe(
  client: PublicClient,
  p: { safe: Address; multiSendCallOnly: Address; payload: Hex; calls: readonly InnerCall[]; errorAbis?: readonly Abi[] | undefined },
): Promise<SafeSimulation> {
  const handler = await fallbackHandlerOf(client, p.safe);
  if (/^0x0{40}$/i.test(handler)) {
    return { ok: false, reason: `the Safe ${p.safe} has no fallback handler, so it cannot simulate a transaction as it would run it (set the CompatibilityFallbackHandler)`, detail: { stage: 'simulate' } };
  }
  const data = encodeFunctionData({ abi: fallbackSimulateAbi, functionName: 'simulate', args: [p.multiSendCallOnly, p.payload] });
  try {
    const r = await client.call({ to: p.safe, data });
    const response = decodeFunctionResult({ abi: fallbackSimulateAbi, functionName: 'simulate', data: r.data ?? '0x' });
    // simulateAndRevert's response: (returndata size word, returndata) after the success word.
    const gas = await client.estimateGas({ to: p.safe, data });
    return { ok: true, gas, detail: { via: 'fallback-handler simulate (delegatecall from the Safe)', handler, gas: gas.toString(), returnBytes: response.length > 66 ? hexToBigInt(`0x${response.slice(2, 66)}`).toString() : '0' } };
  } catch (e) {
    const outer = decodeRevert(e, p.errorAbis ?? []);
    const located = await locateFailure(client, p);
    return { ok: false, reason: located?.reason ?? `the batch reverts when the Safe runs it: ${outer.reason}`, detail: { stage: 'simulate', revert: outer.reason, ...(located ? { failingCall: located.index, failingTo: p.calls[located.index]?.to } : {}) } };
  }
}

/** Which inner call fails, and why, by running the calls in order from the Safe's address. */
async function locateFailure(client: PublicClient, p: { safe: Address; calls: readonly InnerCall[]; errorAbis?: readonly Abi[] | undefined }): Promise<{ index: number; reason: string } | undefined> {
  try {
    const r = await simulateCalls(client, { account: p.safe, calls: p.calls.map((c) => ({ to: c.to, data: c.data, value: c.value })) });
    for (const [i, c] of r.results.entries()) {
      if (c.status === 'success') continue;
      const d = decodeRevert(c.error, p.errorAbis ?? []);
      return { index: i, reason: `inner call ${i + 1} of ${p.calls.length} (to ${p.calls[i]?.to}) reverts when the Safe runs the batch: ${d.reason}` };
    }
  } catch (e) {
    return { index: -1, reason: `the batch reverts when the Safe runs it (MultiSendCallOnly gives no reason; locating the call failed: ${msg(e)})` };
  }
  return undefined;
}
