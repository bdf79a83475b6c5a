import {
  BaseError,
  ContractFunctionRevertedError,
  decodeFunctionResult,
  encodeFunctionData,
  getContractError,
  type Abi,
  type Address,
  type Hex,
  type PublicClient,
} from 'viem';
import { multicall3Abi } from './abi.js';

/**
 * Runs a list of contract reads at one block, either through one Multicall3 aggregate3 (allowFailure on
 * every call, so one reverting reader does not sink the rest) or as one eth_call each (which viem's http
 * transport sends as a JSON-RPC batch). Both paths encode, decode and describe reverts the same way, so
 * they yield identical outcomes.
 */

export interface ContractCall {
  /** Human name of the contract for messages ("wstETH", "Aave v3 Pool"). */
  readonly contract: string;
  readonly address: Address;
  readonly abi: Abi;
  readonly functionName: string;
  readonly args?: readonly unknown[] | undefined;
  /** How to show the arguments in a failure message when the default rendering would be unreadable. */
  readonly argsLabel?: string | undefined;
}

/** "wstETH 0x7f39… stEthPerToken()" — what a failure message names. */
export function describeCall(c: ContractCall): string {
  const args = c.argsLabel ?? (c.args ?? []).map((a) => (typeof a === 'bigint' || typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean' ? String(a) : '…')).join(', ');
  return `${c.contract} ${c.address} ${c.functionName}(${args})`;
}

export type CallOutcome = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** The batch as a whole could not be run (RPC down, timeout, or the multicall contract itself failed): every asset fails. */
export class BatchFailedError extends Error {}

export interface CallExecutor {
  readonly via: 'multicall' | 'json-rpc';
  run(calls: readonly ContractCall[], blockNumber: bigint): Promise<CallOutcome[]>;
}

export type CallClient = Pick<PublicClient, 'call'>;

export function encodeCall(c: ContractCall): Hex {
  return encodeFunctionData({ abi: c.abi, functionName: c.functionName, args: c.args } as Parameters<typeof encodeFunctionData>[0]);
}

function decodeReturn(c: ContractCall, data: Hex): CallOutcome {
  if (data === '0x') return { ok: false, error: 'returned no data (no contract at this address, or it lacks this function)' };
  try {
    return { ok: true, value: decodeFunctionResult({ abi: c.abi, functionName: c.functionName, args: c.args, data } as Parameters<typeof decodeFunctionResult>[0]) };
  } catch (e) {
    return { ok: false, error: `returned data that does not decode as ${c.functionName}: ${shortError(e)}` };
  }
}

/** The decoded revert reason: Error(string), Panic, a custom error in the ABI, or its raw selector. */
export function revertReason(e: ContractFunctionRevertedError): string {
  if (e.reason && e.reason !== 'execution reverted') return e.reason;
  if (e.data) return `${e.data.errorName}(${(e.data.args ?? []).map(String).join(', ')})`;
  if (e.signature) return `custom error ${e.signature}`;
  return 'no reason given';
}

/** viem's short message without the long help text (which can include the RPC URL, keys and all). */
export function shortError(e: unknown): string {
  if (e instanceof BaseError) return e.details && e.details !== e.shortMessage ? `${e.shortMessage} (${e.details})` : e.shortMessage;
  return e instanceof Error ? e.message : String(e);
}

export function jsonRpcExecutor(client: CallClient): CallExecutor {
  return {
    via: 'json-rpc',
    run: (calls, blockNumber) =>
      Promise.all(
        calls.map(async (c): Promise<CallOutcome> => {
          let data: Hex | undefined;
          try {
            ({ data } = await client.call({ to: c.address, data: encodeCall(c), blockNumber }));
          } catch (e) {
            const err = getContractError(e as BaseError, { abi: c.abi, address: c.address, args: c.args as unknown[], functionName: c.functionName });
            const reverted = err.walk((x) => x instanceof ContractFunctionRevertedError);
            if (reverted instanceof ContractFunctionRevertedError) return { ok: false, error: `reverted: ${revertReason(reverted)}` };
            throw new BatchFailedError(shortError(e));
          }
          return decodeReturn(c, data ?? '0x');
        }),
      ),
  };
}

export function multicallExecutor(client: CallClient, multicall: Address): CallExecutor {
  return {
    via: 'multicall',
    async run(calls, blockNumber) {
      if (calls.length === 0) return [];
      const data = encodeFunctionData({
        abi: multicall3Abi,
        functionName: 'aggregate3',
        args: [calls.map((c) => ({ target: c.address, allowFailure: true, callData: encodeCall(c) }))],
      });
      let ret: Hex | undefined;
      try {
        ({ data: ret } = await client.call({ to: multicall, data, blockNumber }));
      } catch (e) {
        const err = getContractError(e as BaseError, { abi: multicall3Abi, address: multicall, args: [], functionName: 'aggregate3' });
        const reverted = err.walk((x) => x instanceof ContractFunctionRevertedError);
        throw new BatchFailedError(reverted instanceof ContractFunctionRevertedError ? `multicall ${multicall} aggregate3 reverted: ${revertReason(reverted)}` : shortError(e));
      }
      let results: readonly { success: boolean; returnData: Hex }[];
      try {
        results = decodeFunctionResult({ abi: multicall3Abi, functionName: 'aggregate3', data: ret ?? '0x' });
      } catch {
        throw new BatchFailedError(`multicall ${multicall} returned no usable aggregate3 result (is a Multicall3-compatible contract deployed there?)`);
      }
      if (results.length !== calls.length) throw new BatchFailedError(`multicall ${multicall} returned ${results.length} results for ${calls.length} calls`);
      return results.map((r, k): CallOutcome => {
        const c = calls[k] as ContractCall;
        if (r.success) return decodeReturn(c, r.returnData);
        return { ok: false, error: `reverted: ${revertReason(new ContractFunctionRevertedError({ abi: c.abi, data: r.returnData, functionName: c.functionName }))}` };
      });
    },
  };
}
