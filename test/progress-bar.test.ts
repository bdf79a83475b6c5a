import { describe, expect, it } from 'vitest';
import { createProgress, formatDuration, renderProgress, REDRAW_INTERVAL_MS } from '../src/cli/progress-bar.js';

function fakeStream(isTTY: boolean | undefined, columns?: number) {
  const writes: string[] = [];
  return { isTTY, columns, writes, write: (s: string) => writes.push(s) };
}

function fakeClock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progress bar', () => {
  it('writes nothing at all when the stream is not a TTY', () => {
    for (const tty of [false, undefined]) {
      const s = fakeStream(tty);
      const clock = fakeClock();
      const p = createProgress(10, 'sweep', s, clock.now);
      for (let i = 0; i < 10; i++) {
        clock.advance(500);
        p.tick();
      }
      p.update(10);
      p.done();
      expect(s.writes).toEqual([]);
    }
  });

  it('redraws in place with \\r on a TTY and ends the line on done()', () => {
    const s = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress(4, 'sweep', s, clock.now);
    p.tick();
    clock.advance(1000);
    p.tick(2);
    clock.advance(1000);
    p.tick();
    p.done();
    p.done(); // idempotent
    expect(s.writes.length).toBeGreaterThanOrEqual(4);
    for (const w of s.writes.slice(0, -1)) expect(w.startsWith('\r')).toBe(true);
    expect(s.writes.at(-1)).toBe('\n');
    const all = s.writes.join('');
    expect(all.indexOf('\n')).toBe(all.length - 1); // one line, ended once
    expect(s.writes[0]).toContain('sweep');
    expect(s.writes[0]).toContain(' 25% 1/4');
    expect(s.writes[1]).toContain(' 75% 3/4');
    expect(s.writes[1]).toContain('elapsed 0:01');
    // 3 done in 1 s → 1 left ≈ 0.33 s
    expect(s.writes[1]).toContain('eta 0:00');
    expect(s.writes.at(-2)).toContain('100% 4/4');
  });

  it('redraws at most 10 times a second', () => {
    const s = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress(10_000, 'x', s, clock.now);
    for (let i = 0; i < 10_000; i++) {
      clock.advance(1); // 10 s in all
      p.tick();
    }
    expect(s.writes.length).toBeLessThanOrEqual(10 * 10 + 1);
    expect(s.writes.length).toBeGreaterThanOrEqual(10 * 10 - 1);
    const before = s.writes.length;
    p.done(); // always drawn, however soon
    expect(s.writes.length).toBe(before + 2);
    expect(REDRAW_INTERVAL_MS).toBeGreaterThanOrEqual(100);
  });

  it('update() sets the running total and the count never exceeds total', () => {
    const s = fakeStream(true);
    const clock = fakeClock();
    const p = createProgress(5, 'x', s, clock.now);
    p.update(3);
    clock.advance(200);
    p.tick(10);
    expect(s.writes[0]).toContain('3/5');
    expect(s.writes[1]).toContain('5/5');
  });

  it('pads over a longer previous frame and fits the terminal width', () => {
    const s = fakeStream(true, 40);
    const clock = fakeClock();
    const p = createProgress(1000, 'a-long-label', s, clock.now);
    p.tick(1);
    for (const w of s.writes) expect(w.length).toBeLessThanOrEqual(40);
  });

  it('formats durations and the ETA', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(75_000)).toBe('1:15');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(renderProgress('x', 0, 10, 5000)).toContain('eta --:--');
    expect(renderProgress('x', 5, 10, 60_000)).toContain('50% 5/10 elapsed 1:00 eta 1:00');
    expect(renderProgress('x', 10, 10, 60_000)).toContain('100% 10/10 elapsed 1:00 eta 0:00');
  });
});
