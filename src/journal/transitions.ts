import { ACTION_STATUSES, type ActionStatus } from '../domain/action.js';

/**
 * Which action status may follow which. An action is born 'planned' and then:
 * - 'planned' may only move to 'intent' (the intent row is written before anything touches a chain or a
 *   paper book, so a crash after it is visible on restart), or straight to skipped/failed/abandoned;
 * - after that it moves forward along intent → built → simulated → signed → sent → confirmed, possibly
 *   jumping stages (paper mode goes intent → confirmed), never backward and never to the same status;
 * - 'failed' and 'abandoned' may follow any non-terminal status;
 * - 'skipped' (deliberately not done) only before 'sent': once sent, the outcome is on-chain and must be
 *   recorded as confirmed, failed or abandoned;
 * - confirmed / failed / skipped / abandoned are terminal.
 */
export const TERMINAL_STATUSES: readonly ActionStatus[] = ['confirmed', 'failed', 'skipped', 'abandoned'];

const PIPELINE: readonly ActionStatus[] = ['planned', 'intent', 'built', 'simulated', 'signed', 'sent', 'confirmed'];

export function isTerminal(status: ActionStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: ActionStatus | undefined, to: ActionStatus): boolean {
  if (from === undefined) return to === 'planned';
  if (to === 'planned' || isTerminal(from)) return false;
  if (to === 'failed' || to === 'abandoned') return true;
  const i = PIPELINE.indexOf(from);
  if (to === 'skipped') return i < PIPELINE.indexOf('sent');
  if (from === 'planned') return to === 'intent';
  return PIPELINE.indexOf(to) > i;
}

export function allowedNext(from: ActionStatus | undefined): ActionStatus[] {
  return ACTION_STATUSES.filter((to) => canTransition(from, to));
}

/** Statuses an action may hold a fill in: after its intent is written, and not once it is known not to have happened. */
export function canFill(status: ActionStatus): boolean {
  return status !== 'planned' && status !== 'failed' && status !== 'skipped' && status !== 'abandoned';
}

/**
 * A chain transaction's life (chain-agnostic: EVM and Solana both fit it). One row per signed payload:
 * built → simulated → signed → sent → confirmed | failed | replaced | dropped.
 * - 'built' is the first status and only the first; stages may be skipped going forward (a fee-bumped
 *   replacement goes built → signed: the step it replaces was simulated already);
 * - 'confirmed' (mined and succeeded, with enough confirmations), 'replaced' (another of our transactions
 *   took its nonce) and 'dropped' (it never made it on chain and cannot any more) need a signed payload;
 * - 'failed' (mined and reverted, or refused before signing) may follow any open status;
 * - confirmed / failed / replaced / dropped are terminal.
 */
export const TX_STATUSES = ['built', 'simulated', 'signed', 'sent', 'confirmed', 'failed', 'replaced', 'dropped'] as const;
export type TxStatus = (typeof TX_STATUSES)[number];
export const TX_TERMINAL_STATUSES: readonly TxStatus[] = ['confirmed', 'failed', 'replaced', 'dropped'];
const TX_PIPELINE: readonly TxStatus[] = ['built', 'simulated', 'signed', 'sent'];

export function isTxTerminal(status: TxStatus): boolean {
  return TX_TERMINAL_STATUSES.includes(status);
}

export function canTxTransition(from: TxStatus | undefined, to: TxStatus): boolean {
  if (from === undefined) return to === 'built';
  if (to === 'built' || isTxTerminal(from)) return false;
  if (to === 'failed') return true;
  const i = TX_PIPELINE.indexOf(from);
  if (isTxTerminal(to)) return i >= TX_PIPELINE.indexOf('signed');
  return TX_PIPELINE.indexOf(to) > i;
}

export function allowedTxNext(from: TxStatus | undefined): TxStatus[] {
  return TX_STATUSES.filter((to) => canTxTransition(from, to));
}
