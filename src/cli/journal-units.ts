import { formatUnits } from '../domain/amount.js';

/** How journal output prints amounts: each asset in its own decimals, the base asset named. */
export interface Units {
  readonly baseAsset: string;
  readonly baseDecimals: number;
  decimalsOf(asset: string): number;
}

/** A human amount: cut to `places` decimals (exact figures: --json), trailing zeros dropped, with the asset's symbol. */
export function human(amount: bigint, decimals: number, symbol: string, places = 4): string {
  const exact = formatUnits(amount, decimals);
  const [int, frac = ''] = exact.split('.');
  const cut = frac.slice(0, places).replace(/0+$/, '');
  return `${int}${cut ? `.${cut}` : ''} ${symbol}`;
}

export const base = (u: Units, amount: bigint, places = 4) => human(amount, u.baseDecimals, u.baseAsset, places);
export const of = (u: Units, asset: string, amount: bigint, places = 4) => human(amount, u.decimalsOf(asset), asset, places);

/** JSON for scripts: bigints as exact decimal strings, Maps as objects. */
export function jsonLine(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x));
}
