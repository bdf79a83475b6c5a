import { isCleanText } from './history-columns.js';

/**
 * Interned asset (column 1) and source (column 2) strings of one file's text: a row with a known name
 * allocates nothing for it, and every observation shares one copy. Copies are flat (not slices of
 * `text`, which would keep the whole file alive for as long as any observation lives). Returns the
 * interned string for text[a, b), or undefined when it is not clean text.
 */
export function createInterner(text: string): (which: 0 | 1, a: number, b: number) => string | undefined {
  const interned: [string[], string[]] = [[], []];
  const lastHit = [0, 0];
  const matches = (s: string, a: number, len: number): boolean => {
    if (s.length !== len) return false;
    for (let j = 0; j < len; j++) if (s.charCodeAt(j) !== text.charCodeAt(a + j)) return false;
    return true;
  };
  return (which, a, b) => {
    const list = interned[which];
    const len = b - a;
    const last = list[lastHit[which] as number];
    if (last !== undefined && matches(last, a, len)) return last;
    for (let i = 0; i < list.length; i++) {
      const s = list[i] as string;
      if (matches(s, a, len)) {
        lastHit[which] = i;
        return s;
      }
    }
    const s = text.slice(a, b);
    if (!isCleanText(s)) return undefined;
    if (list.length >= 256) return s;
    const flat = Buffer.from(s, 'utf8').toString('utf8');
    lastHit[which] = list.length;
    list.push(flat);
    return flat;
  };
}
