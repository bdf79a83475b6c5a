import type { AssetId } from './asset.js';
import type { EpochMs } from './time.js';

export const SEVERITIES = ['info', 'warn', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Something the keeper wants a person to read later: a breaker firing, an interrupted cycle, a rejected plan. */
export interface KeeperEvent {
  readonly at: EpochMs;
  readonly kind: string;
  readonly severity: Severity;
  readonly asset?: AssetId | undefined;
  readonly message: string;
  readonly data?: Record<string, unknown> | undefined;
}
