import { memoryToJson, NO_EPISODES, type DepegEpisode, type DepegMemory } from '../risk/depeg-episodes.js';

/**
 * Depeg episodes are the one decision input carried from cycle to cycle outside the readings and the
 * holdings. Each finished cycle journals the memory it leaves (in its end summary), and a restarted keeper
 * takes it back, so a decision after a restart, or a redo of an interrupted one, starts from the same state
 * an uninterrupted keeper would have.
 */
export const MEMORY_KEY = 'depegMemory';

export function memorySummary(m: DepegMemory): Record<string, unknown> {
  return { [MEMORY_KEY]: memoryToJson(m) };
}

function isEpisode(v: unknown): v is DepegEpisode {
  const e = v as Partial<DepegEpisode> | null;
  return (
    typeof e === 'object' &&
    e !== null &&
    (e.kind === 'liquidity' || e.kind === 'impairment') &&
    typeof e.since === 'number' &&
    (e.calmSince === null || typeof e.calmSince === 'number') &&
    typeof e.worstDiscount === 'number'
  );
}

/** The memory a journaled summary holds; anything unreadable counts as no episode (the breakers still see every discount). */
export function memoryFromSummary(json: unknown): DepegMemory {
  if (typeof json !== 'object' || json === null) return NO_EPISODES;
  const entries = Object.entries(json as Record<string, unknown>).filter((e): e is [string, DepegEpisode] => isEpisode(e[1]));
  return entries.length ? new Map(entries) : NO_EPISODES;
}
