import type Database from 'better-sqlite3';
import { textToUint } from '../journal/codec.js';
import type { DailyDigest } from './alert-message.js';

const DAY = 86_400_000;

const units = (v: bigint, decimals: number) => {
  const scale = 10n ** BigInt(decimals);
  return Number(v / scale) + Number(v % scale) / Number(scale);
};

/**
 * One vault's UTC day from its journal: NAV at the end of the day against the end of the day before (or
 * the day's first NAV), the day's return and its annualized rate, cycles, actions and breaker firings.
 * Journal time: a recorded feed's days are recorded days.
 */
export function dailyDigest(db: Database.Database, o: { vault: string; baseAsset: string; baseDecimals: number; dayStart: number }): DailyDigest {
  const { vault, dayStart } = o;
  const dayEnd = dayStart + DAY;
  const nav = (sql: string, ...args: number[]) => {
    const r = db.prepare<unknown[], { nav_base: string }>(sql).get(vault, ...args);
    return r ? units(textToUint('nav_base', r.nav_base), o.baseDecimals) : null;
  };
  const snap = `SELECT p.nav_base FROM portfolio_snapshots p JOIN runs r ON r.id = p.run_id WHERE r.vault = ? AND p.cycle_id IS NOT NULL`;
  const navEnd = nav(`${snap} AND p.at >= ? AND p.at < ? ORDER BY p.at DESC, p.id DESC LIMIT 1`, dayStart, dayEnd);
  const navStart = nav(`${snap} AND p.at < ? ORDER BY p.at DESC, p.id DESC LIMIT 1`, dayStart) ?? nav(`${snap} AND p.at >= ? AND p.at < ? ORDER BY p.at, p.id LIMIT 1`, dayStart, dayEnd);
  const cycles = db
    .prepare<[string, number, number], { n: number }>('SELECT COUNT(*) AS n FROM cycles c JOIN runs r ON r.id = c.run_id WHERE r.vault = ? AND c.decision_time >= ? AND c.decision_time < ?')
    .get(vault, dayStart, dayEnd)?.n ?? 0;
  const acts = db
    .prepare<[string, number, number], { planned: number; confirmed: number | null; failed: number | null }>(
      `SELECT COUNT(*) AS planned,
         SUM((SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) = 'confirmed') AS confirmed,
         SUM((SELECT s.status FROM action_status s WHERE s.action_id = a.id ORDER BY s.id DESC LIMIT 1) = 'failed') AS failed
       FROM actions a JOIN cycles c ON c.id = a.cycle_id JOIN runs r ON r.id = c.run_id
       WHERE r.vault = ? AND c.decision_time >= ? AND c.decision_time < ?`,
    )
    .get(vault, dayStart, dayEnd);
  const breakers: Record<string, number> = {};
  for (const b of db
    .prepare<[string, number, number], { kind: string; n: number }>(
      `SELECT v.kind, COUNT(*) AS n FROM events v JOIN runs r ON r.id = v.run_id
       WHERE r.vault = ? AND v.kind LIKE 'breaker:%' AND v.at >= ? AND v.at < ? GROUP BY v.kind ORDER BY v.kind`,
    )
    .all(vault, dayStart, dayEnd)) {
    breakers[b.kind.slice('breaker:'.length)] = b.n;
  }
  const dayReturn = navStart !== null && navEnd !== null && navStart > 0 ? navEnd / navStart - 1 : null;
  return {
    vault,
    day: new Date(dayStart).toISOString().slice(0, 10),
    baseAsset: o.baseAsset,
    navStart,
    navEnd,
    dayReturn,
    annualized: dayReturn === null ? null : dayReturn * 365,
    cycles,
    actions: { planned: acts?.planned ?? 0, confirmed: acts?.confirmed ?? 0, failed: acts?.failed ?? 0 },
    breakers,
  };
}

/** Calls `send` with the day that ended each time a cycle's decision time moves into a later UTC day. */
export class DigestClock {
  #day: number | undefined;

  constructor(private readonly send: (dayStart: number) => void) {}

  cycleAt(decisionTime: number): void {
    const day = Math.floor(decisionTime / DAY) * DAY;
    if (this.#day !== undefined && day > this.#day) this.send(this.#day);
    this.#day = this.#day === undefined ? day : Math.max(this.#day, day);
  }
}
