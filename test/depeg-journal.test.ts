import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './support/cli.js';

describe('journal show explains a depeg decision with its numbers', () => {
  it('the 2024-08-06 weETH liquidity event: the cycle names the episode, the decision and every number weighed', () => {
    const journal = join(tempDir(), 'j.sqlite');
    const r = cli(['run', '--journal', journal, '--to', '2024-08-07T00:00:00Z']);
    expect(r.code, r.stderr).toBe(0);
    const cycles = cli(['journal', 'cycles', '--journal', journal]);
    const row = cycles.stdout.split('\n').find((l) => l.includes('2024-08-06T00:00:00Z'));
    expect(row).toBeDefined();
    const id = row!.split('\t')[0]!;
    const show = cli(['journal', 'show', id, '--journal', journal]);
    expect(show.code, show.stderr).toBe(0);
    const line = show.stdout.split('\n').find((l) => l.includes('breaker:depeg') && l.includes('redeem through the queue'));
    expect(line, show.stdout).toBeDefined();
    expect(line).toMatch(/liquidity episode since 2024-08-06T00:00:00Z/);
    expect(line).toMatch(/discount 0\.51\d %/);
    expect(line).toMatch(/fair rate intact \(trend \d\.\d{3} %\/yr\)/);
    expect(line).toMatch(/expected loss holding \d\.\d{3} %/);
    expect(line).toMatch(/queue 14\.0 d costing \d\.\d{3} %/);
    expect(line).toMatch(/sale \d\.\d{3} % \(max exit cost 1\.000 %\)/);
    expect(line).toMatch(/→ derisk/);
  });
});
