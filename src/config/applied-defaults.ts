/**
 * Which values of a config came from defaults rather than from the file, for the sections that bound risk.
 * validate-config prints them and a run logs them, so a file cut short (or a limit forgotten) is seen.
 */

export const SAFETY_SECTIONS = ['limits', 'breakers', 'trust', 'planner'] as const;

/** "limits.maxExpectedLoss = 0.004" for every leaf of `parsed` under the safety sections that `raw` lacks. */
export function appliedDefaults(raw: unknown, parsed: Record<string, unknown>, sections: readonly string[] = SAFETY_SECTIONS): string[] {
  const out: string[] = [];
  const walk = (r: unknown, p: unknown, path: string[]) => {
    if (p !== null && typeof p === 'object' && !Array.isArray(p)) {
      const entries = Object.entries(p as Record<string, unknown>);
      if (entries.length === 0 && !has(r)) out.push(`${path.join('.')} = {}`);
      for (const [k, v] of entries) walk(has(r) ? (r as Record<string, unknown>)[k] : undefined, v, [...path, k]);
      return;
    }
    if (r === undefined) out.push(`${path.join('.')} = ${JSON.stringify(p)}`);
  };
  for (const s of sections) if (s in parsed) walk(has(raw) ? (raw as Record<string, unknown>)[s] : undefined, parsed[s], [s]);
  return out;
}

const has = (v: unknown): boolean => v !== null && typeof v === 'object';
