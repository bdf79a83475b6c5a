import { linkSync, openSync, symlinkSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { InstanceLease, LeaseHeldError } from '../src/keeper/instance-lease.js';
import { CLI, cliRun, ROOT, tempDir } from './support/cli.js';
import { thrown } from './support/thrown.js';

/** The journal cannot be corrupted: one keeper per file (any name), damage refused, typos caught, signals honoured. */

describe('one keeper per journal file, whatever the path', () => {
  it('a hard link to a held journal is refused', () => {
    const dir = tempDir('jh-');
    const journal = join(dir, 'v.sqlite');
    const a = InstanceLease.acquire(journal, 'run');
    try {
      const link = join(dir, 'other-name.sqlite');
      linkSync(journal, link);
      expect(statSync(link).ino).toBe(statSync(journal).ino);
      const e = thrown(LeaseHeldError, () => InstanceLease.acquire(link, 'once'));
      expect(e.message).toMatch(/another keeper is running on journal .*other-name\.sqlite \(the same file as .*v\.sqlite\)/);
    } finally {
      a.release();
    }
    const b = InstanceLease.acquire(join(dir, 'other-name.sqlite'), 'once'); // free again once released
    b.release();
  });

  it('a symlink to a held journal is refused, in another directory too', () => {
    const dir = tempDir('jh-');
    const journal = join(dir, 'v.sqlite');
    const a = InstanceLease.acquire(journal, 'run');
    try {
      const link = join(tempDir('jh-elsewhere-'), 'alias.sqlite');
      symlinkSync(journal, link);
      thrown(LeaseHeldError, () => InstanceLease.acquire(link, 'once'));
    } finally {
      a.release();
    }
  });

  it('the CLI refuses a second keeper through a hard link (exit 3) and the first run completes intact', async () => {
    const dir = tempDir('jh-');
    const journal = join(dir, 'v.sqlite');
    // the whole history (473 cycles): still running while the second keeper tries; stopped by SIGTERM after
    const first = spawn(process.execPath, [CLI, 'run', '-j', journal], { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    first.stdout.on('data', (d: Buffer) => (lines += (d.toString().match(/ NAV /g) ?? []).length));
    const exited = new Promise<number | null>((r) => first.on('exit', (c) => r(c)));
    await waitFor(() => lines >= 2);
    const link = join(dir, 'hard.sqlite');
    linkSync(journal, link);
    const second = await cliRun(['once', '-j', link]);
    expect(second.code, second.stderr).toBe(3);
    expect(second.stderr).toMatch(/LeaseHeldError: another keeper is running on journal .*hard\.sqlite/);
    first.kill('SIGTERM');
    expect(await exited).toBe(143);
    const db = new Database(journal, { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const dup = db.prepare('SELECT decision_time, COUNT(*) n FROM cycles GROUP BY decision_time HAVING n > 1').all();
      expect(dup).toEqual([]);
      expect((db.prepare('SELECT COUNT(*) n FROM cycles').get() as { n: number }).n).toBeGreaterThanOrEqual(2);
      expect((db.prepare('SELECT COUNT(*) n FROM runs').get() as { n: number }).n).toBe(1); // the second keeper never started a run
    } finally {
      db.close();
    }
  }, 120_000);
});

describe('a journal that cannot be trusted is refused', () => {
  it('8 KB of garbage over a page is refused at open with a clear message (exit 3), for writers and readers', async () => {
    const dir = tempDir('jh-');
    const journal = join(dir, 'v.sqlite');
    expect((await cliRun(['run', '-j', journal, '--max-cycles', '5', '-q'])).code).toBe(0);
    const fd = openSync(journal, 'r+');
    const garbage = Buffer.alloc(8192, 0x5a);
    writeSync(fd, garbage, 0, garbage.length, 4096 * 3);
    closeSync(fd);
    const [once, read] = await Promise.all([cliRun(['once', '-j', journal]), cliRun(['journal', 'cycles', '-j', journal])]);
    for (const r of [once, read]) {
      expect(r.code, r.stdout + r.stderr).toBe(3);
      expect(r.stderr).toMatch(/journal .*v\.sqlite is (corrupt|not usable)|malformed|not a database/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.stdout).not.toMatch(/nothing to do/);
    }
  }, 120_000);

  it('a mistyped --journal beside an existing journal of the vault is refused, naming it; --fresh starts one on purpose', async () => {
    const dir = tempDir('jh-');
    const journal = join(dir, 'eth-restaking.sqlite');
    expect((await cliRun(['run', '-j', journal, '--max-cycles', '2', '-q'])).code).toBe(0);
    const typo = join(dir, 'eth-restakng.sqlite');
    const r = await cliRun(['once', '-j', typo]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no journal at .*eth-restakng\.sqlite, but vault eth-restaking already has one at .*eth-restaking\.sqlite.*--fresh/);
    expect(statSync(typo, { throwIfNoEntry: false })).toBeUndefined();
    const fresh = await cliRun(['run', '-j', typo, '--fresh', '--max-cycles', '1', '-q']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stdout).not.toMatch(/kept the previous journal/); // nothing was there to move aside
  }, 120_000);
});

describe('signals', () => {
  for (const [sig, code, extra] of [['SIGTERM', 143, []], ['SIGINT', 130, ['--cron', '*/1 * * * * *']]] as const) {
    it(`${sig} stops run${extra.length ? ' --cron' : ' (no --cron)'} after the cycle in hand: exit ${code}, lease released, journal resumes`, async () => {
      const dir = tempDir('jh-');
      const journal = join(dir, 'v.sqlite');
      const child = spawn(process.execPath, [CLI, 'run', '-j', journal, ...extra], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      await waitFor(() => (out.match(/ #\d+ NAV /g) ?? []).length >= 2);
      child.kill(sig);
      expect(await exited).toBe(code);
      expect(out).toMatch(/stopped by a signal after \d+ cycles/);
      const lease = InstanceLease.acquire(journal, 'test'); // released
      lease.release();
      const db = new Database(journal, { readonly: true });
      const n = (db.prepare("SELECT COUNT(*) n FROM cycle_ends WHERE status = 'completed'").get() as { n: number }).n;
      const open = (db.prepare('SELECT COUNT(*) n FROM cycles c LEFT JOIN cycle_ends e ON e.cycle_id = c.id WHERE e.cycle_id IS NULL').get() as { n: number }).n;
      db.close();
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThan(400); // it did not run the whole history
      expect(open).toBe(0);
      const again = await cliRun(['once', '-j', journal]);
      expect(again.code, again.stderr).toBe(0);
    }, 120_000);
  }
});

async function waitFor(f: () => boolean, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
