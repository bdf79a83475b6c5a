/** "Did you mean" for names a person types: config keys, strategies, assets, flag values. */

/** The closest of `choices` to `v`, as " (did you mean x?)", or "" when none is close. */
export function suggest(v: string, choices: readonly string[]): string {
  const best = closest(v, choices);
  return best === undefined ? '' : ` (did you mean ${best}?)`;
}

/** The choice within a small edit distance of `v` (a third of its length, at least 1, at most 3). */
export function closest(v: string, choices: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(v.length / 3)));
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of choices) {
    if (Math.abs(c.length - v.length) > limit) continue;
    const d = editDistance(v.toLowerCase(), c.toLowerCase(), limit);
    if (d <= limit && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning limit + 1) once it must exceed `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length] as number;
}
