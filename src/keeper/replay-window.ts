import type { LoadedVault } from '../config/load-vault.js';
import { parseDuration, parseTime } from '../domain/time.js';
import { ConfigError } from '../errors.js';
import type { ReplaySource } from '../sources/recorded/replay-source.js';

export interface ReplayWindow {
  readonly from: number;
  readonly to: number;
  readonly step: number;
}

/**
 * The recorded time a replay steps through (a paper `run`, or a served vault one step per tick): the given
 * bounds (CLI flags or the fleet entry's `replay`), else the vault config's schedule, else the history's
 * span after the APY warm-up.
 */
export function recordedWindow(vault: LoadedVault, source: ReplaySource, o: { from?: string | undefined; to?: string | undefined; step?: string | undefined }): ReplayWindow {
  const step = parseDuration(o.step ?? vault.config.schedule.step);
  const warm = parseDuration(vault.config.apyWindow);
  const first = source.firstTime ?? 0;
  const last = source.lastTime ?? 0;
  const fromText = o.from ?? vault.config.schedule.from;
  const toText = o.to ?? vault.config.schedule.to;
  const from = fromText ? parseTime(fromText) : Math.ceil((first + warm) / step) * step;
  const to = toText ? parseTime(toText) : last;
  if (from > to) throw new ConfigError(vault.file, [{ where: 'schedule', value: { from: fromText, to: toText }, expected: `from before to, within the history (${new Date(first).toISOString()} → ${new Date(last).toISOString()})` }]);
  return { from, to, step };
}
