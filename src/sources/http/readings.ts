import type { Observation } from '../../domain/observation.js';
import { checkObservation } from '../../domain/observation-check.js';
import type { SourceFailure } from '../yield-source.js';
import { apyUnitError, type ApyReferenceBook } from './apy-reference.js';

/** Shared by the HTTP sources: turning upstream trouble into SourceFailures instead of exceptions. */

/** The error's own message: an HttpSourceError already names method, URL, attempts and status. */
export function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The keeper fails closed per asset, so a failure always lists what it would have covered. */
export function failure(source: string, assets: readonly string[], message: string): SourceFailure {
  return { source, assets: [...assets], message };
}

/**
 * The last gate before an observation leaves a source: the same range checks recorded history passes
 * (an APY > 1 after conversion is a percent that slipped through), and a cross-check of the APY with
 * the one the asset's fair rate implies (a factor near 100 is a unit error). A bad one becomes a
 * failure naming the field, never a reading.
 */
export function admit(o: Observation, endpoint: string, out: Observation[], failures: SourceFailure[], reference?: ApyReferenceBook): void {
  const problems = checkObservation(o);
  const unit = problems.length === 0 ? apyUnitError(o, reference) : undefined;
  if (unit !== undefined) {
    failures.push(failure(o.source, [o.asset], `${endpoint}: ${o.asset}: ${unit}`));
    return;
  }
  if (problems.length === 0) {
    out.push(o);
    return;
  }
  const detail = problems.map((p) => `${p.field}=${JSON.stringify(p.value)}: expected ${p.expected}`).join('; ');
  failures.push(failure(o.source, [o.asset], `${endpoint}: ${o.asset}: ${detail}`));
}

export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
