import { APY_MAX_FRACTION, APY_MIN_FRACTION } from '../../domain/observation-check.js';
import type { ObservationField } from '../../domain/observation.js';
import { VALUE_FIELDS } from './history-columns.js';

/**
 * A cheap per-column pre-screen mirroring checkObservation's bounds, so the common clean row does not
 * pay for a call (and an array) per row: a row is handed to checkObservation, which has the final
 * word and the messages, whenever any value falls outside these bounds. The test suite checks that
 * every observation checkObservation rejects is also rejected by the parser, so a tightened
 * checkObservation cannot be silently bypassed here.
 */
export const enum Screen {
  Rate,
  Apy,
  Positive,
  NonNegative,
  Finite,
  Never,
}

function screenOf(f: ObservationField): Screen {
  switch (f) {
    case 'fairRate':
    case 'marketRate':
      return Screen.Rate;
    case 'apyBase':
    case 'apyMev':
    case 'apyRestaking':
    case 'apyIncentives':
    case 'apyLending':
      return Screen.Apy;
    case 'supplyIndex':
      return Screen.Positive;
    case 'tvlBase':
    case 'exitLiquidityBase':
    case 'redemptionDelaySeconds':
      return Screen.NonNegative;
    case 'exitImpact':
    case 'exitSizeBase':
      // Paired and bounded in checkObservation: always let it have the final word.
      return Screen.Never;
    default:
      return Screen.Finite;
  }
}

/** The screen of each value column, in column order from FIRST_VALUE_COLUMN. */
export const SCREENS: readonly Screen[] = VALUE_FIELDS.map(screenOf);

export function passesScreen(screen: Screen, v: number): boolean {
  switch (screen) {
    case Screen.Rate:
      return v > 0 && v < 1e6;
    case Screen.Apy:
      return v <= APY_MAX_FRACTION && v >= APY_MIN_FRACTION;
    case Screen.Positive:
      return v > 0;
    case Screen.NonNegative:
      return v >= 0;
    case Screen.Never:
      return false;
    default:
      return true;
  }
}
