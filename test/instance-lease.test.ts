import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InstanceLease, LeaseHeldError } from '../src/keeper/instance-lease.js';
import { cliRun, ROOT, tempDir } from './support/cli.js';
import { thrown } from './support/thrown.js';

/** One keeper per journal: the lease beside the journal, held by the process, dropped by the OS when it dies. */

const LEASE_JS = pathToFileURL(join(ROOT, 'dist/src/keeper/instance-lease.js')).href;

const held = (f: () => unknown): LeaseHeldError => thrown(LeaseHeldError, f);

/** A separate process that takes the lease, says so, and waits to be killed. */
function holderProcess(journal: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const code = `const { InstanceLease } = await import(${JSON.stringify(LEASE_JS)}); InstanceLease.acquire(${JSON.stringify(journal)}, 'run --cron "0 * * * *"'); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (c) => reject(new Error(`holder exited early (${c}): ${err}`)));
    child.stdout.on('data', (d: Buffer) => {
      if (!d.toString().includes('held')) return;
      child.removeAllListeners('exit');
      resolve({
        pid: child.pid as number,
        kill: () =>
          new Promise<void>((done) => {
            child.on('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    });
  });
}

describe('instance lease', () => {
  it('a second taker is refused with who holds it, until the holder releases', () => {
    const journal = join(tempDir('lease-'), 'v.sqlite');
    const a = InstanceLease.acquire(journal, 'once', Date.parse('2026-11-22T03:00:00Z'));
    const e = held(() => InstanceLease.acquire(journal, 'run'));
    expect(e.message).toMatch(new RegExp(`^another keeper is running on journal .*v\\.sqlite \\(pid ${process.pid} on .+, "once", since 2026-11-22T03:00:00\\.000Z\\); one keeper per journal`));
    a.release();
    a.release(); // idempotent
    expect(a.held).toBe(false);
    const b = InstanceLease.acquire(journal, 'run');
    expect(b.held).toBe(true);
    b.release();
  });

  it('another process holding it refuses this one; once that process is SIGKILLed the lease is free at once', async () => {
    const journal = join(tempDir('lease-'), 'v.sqlite');
    const h = await holderProcess(journal);
    try {
      const e = held(() => InstanceLease.acquire(journal, 'once'));
      expect(e.message).toContain(`pid ${h.pid}`);
      expect(e.message).toContain('"run --cron "0 * * * *""');
    } finally {
      await h.kill();
    }
    const mine = InstanceLease.acquire(journal, 'once');
    expect(mine.holder.pid).toBe(process.pid);
    mine.release();
  }, 30_000);

  it('the CLI refuses to start a second keeper on a journal, and never moves it aside with --fresh; reading it still works', async () => {
    const journal = join(tempDir('lease-'), 'v.sqlite');
    const first = await cliRun(['once', '-j', journal]);
    expect(first.code, first.stderr).toBe(0);
    const h = await holderProcess(journal);
    try {
      for (const args of [['once', '-j', journal], ['run', '--fresh', '-j', journal, '--max-cycles', '1']]) {
        const r = await cliRun(args);
        expect(r.code, args.join(' ')).toBe(3);
        expect(r.stderr).toMatch(new RegExp(`LeaseHeldError: another keeper is running on journal .*v\\.sqlite \\(pid ${h.pid} on `));
        expect(r.stdout).not.toMatch(/kept the previous journal/);
      }
      const read = await cliRun(['journal', 'cycles', '-j', journal]);
      expect(read.code, read.stderr).toBe(0);
      expect(read.stdout).toMatch(/2024-06-12/);
    } finally {
      await h.kill();
    }
    const after = await cliRun(['once', '-j', journal]);
    expect(after.code, after.stderr).toBe(0);
  }, 120_000);
});
