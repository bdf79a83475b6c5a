import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/domain/time.js';
import { isLoopback, loadFleet } from '../src/service/fleet-config.js';
import { planFleet } from '../src/service/fleet.js';
import { startService } from '../src/service/service.js';
import { ROOT, tempDir } from './support/cli.js';

/** deploy/ and the fleet example: the files load, agree with each other, and the healthcheck works. */

const run = (args: string[], env: NodeJS.ProcessEnv) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn(process.execPath, args, { env: { ...process.env, ...env } });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', (code) => resolve({ code, out }));
  });

describe('deployment files', () => {
  it('config/fleet.yaml runs both shipped vaults, Ethereum and Solana, on loopback', async () => {
    const f = loadFleet(join(ROOT, 'config/fleet.yaml'));
    expect(isLoopback(f.config.http.host)).toBe(true);
    const plans = await planFleet(f);
    expect(plans.map((p) => [p.vault.config.name, p.vault.config.chain, p.feed])).toEqual([
      ['eth-restaking', 'ethereum', 'recorded'],
      ['sol-staking', 'solana', 'recorded'],
    ]);
  });

  it('the systemd and Docker fleets validate; the Docker one listens beyond loopback with a token file', () => {
    const sd = loadFleet(join(ROOT, 'deploy/fleet.systemd.yaml'));
    const dk = loadFleet(join(ROOT, 'deploy/fleet.docker.yaml'));
    expect(sd.vaults.every((v) => v.journalPath?.startsWith('/var/lib/restake-keeper/'))).toBe(true);
    expect(dk.config.http.host).toBe('0.0.0.0');
    expect(dk.config.http.token).toEqual({ file: '/run/secrets/http-token' });
    const unit = readFileSync(join(ROOT, 'deploy/restake-keeper.service'), 'utf8');
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^StateDirectory=restake-keeper$/m);
    expect(unit).toMatch(/^LoadCredential=evm-key:/m);
    expect(unit).toContain('deploy/fleet.systemd.yaml');
    // systemd must wait longer than the fleet's own shutdown grace before it SIGKILLs.
    const stop = parseDuration((/^TimeoutStopSec=(\S+)$/m.exec(unit)?.[1] ?? '0s').replace('sec', 's'));
    expect(stop).toBeGreaterThan(parseDuration(sd.config.shutdown.grace));
    const docker = readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(docker).toMatch(/^FROM node:20/m);
    expect(docker).toMatch(/^USER node$/m);
    expect(docker).toMatch(/^VOLUME \["\/var\/lib\/restake-keeper"\]$/m);
    expect(docker).toMatch(/^HEALTHCHECK .*healthcheck\.mjs/m);
  });

  it('the container healthcheck exits 0 on a ready fleet with the token, 1 without it', async () => {
    const dir = tempDir('hc-');
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'tok-987\n');
    const fleet = join(dir, 'fleet.yaml');
    writeFileSync(fleet, `http: { port: 0, token: { file: ${tokenFile} } }\nvaults:\n  - { config: ${join(ROOT, 'config/vaults/sol-staking.yaml')}, journal: sol.sqlite, schedule: { every: 100ms } }\n`);
    const s = await startService({ fleet, log: pino({ level: 'silent' }) });
    try {
      while ((s.fleet.runners[0]?.status.cycles ?? 0) < 1) await new Promise((r) => setTimeout(r, 50));
      const port = new URL(s.url).port;
      const ok = await run([join(ROOT, 'deploy/healthcheck.mjs')], { RESTAKE_KEEPER_PORT: port, RESTAKE_KEEPER_TOKEN_FILE: tokenFile });
      expect(ok.code, ok.out).toBe(0);
      const refused = await run([join(ROOT, 'deploy/healthcheck.mjs')], { RESTAKE_KEEPER_PORT: port, RESTAKE_KEEPER_TOKEN_FILE: join(dir, 'none') });
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/bearer token is required/);
    } finally {
      await s.stop();
    }
  }, 30_000);
});
