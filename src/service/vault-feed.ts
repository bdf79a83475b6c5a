import { ConfigError } from '../errors.js';
import type { Journal } from '../journal/journal.js';
import { createLiveSource } from '../sources/live-sources.js';
import { ApyReferenceBook } from '../sources/http/apy-reference.js';
import { ReplaySource } from '../sources/recorded/replay-source.js';
import type { YieldSource } from '../sources/yield-source.js';
import { recordedWindow, type ReplayWindow } from '../keeper/replay-window.js';
import type { VaultPlan } from './vault-plan.js';
import { CheckedFileSource } from './watched-source.js';

export interface OpenedFeed {
  readonly source: YieldSource;
  /** The first decision time: now on a live feed; on a recorded one the step after the journal's last decision. */
  readonly start: number;
  /** Recorded feed only: the window stepped through. */
  readonly window: ReplayWindow | undefined;
  /** Live feed only: the rate-implied APYs the API sources cross-check their reported APYs with (the keeper feeds it). */
  readonly apyReference?: ApyReferenceBook | undefined;
}

/** A vault's source as its plan says: the live readers, or its recorded history resumed from the journal. */
export function openFeed(p: VaultPlan, journal: Journal, now = Date.now()): OpenedFeed {
  if (p.feed === 'live') {
    const cfg = p.vault.config.sources;
    if (!cfg) throw new ConfigError(p.vault.file, [{ where: `${p.vault.file} sources`, value: undefined, expected: 'a sources section (live readers) for the live feed' }]);
    const apyReference = ApyReferenceBook.forAssets(p.vault.universe.registryAssets.values());
    return { source: createLiveSource(cfg, { apyReference }), start: now, window: undefined, apyReference };
  }
  const file = p.historyPath ?? p.vault.paths.history;
  if (!file) throw new ConfigError(p.vault.file, [{ where: `${p.vault.file} history`, value: undefined, expected: 'a recorded-history file for the recorded feed' }]);
  const replay = ReplaySource.fromFile(file);
  const window = recordedWindow(p.vault, replay, p.replay ?? {});
  const last = journal.lastDecisionTime(p.vault.config.name);
  return { source: new CheckedFileSource(replay, file), start: last === undefined ? window.from : last + window.step, window };
}
