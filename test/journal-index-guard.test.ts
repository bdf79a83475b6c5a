import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { VaultConfig } from '../src/config/vault-schema.js';
import { stateDir as resolveStateDir } from '../src/journal/vault-index.js';
import { vaultIdentity } from '../src/keeper/vault-identity.js';
import { cli, cliAsync, ROOT, tempDir } from './support/cli.js';

/**
 * The vault index (journal/vault-index.ts) behind the mistyped-journal guard (keeper/new-journal-guard.ts),
 * through the real CLI. The vaults read the live feed from a loopback port nothing listens on: each cycle
 * fails closed (exit 1) but journals its run, which is all a journal needs to be the vault's.
 * test/support/isolated-state.ts gives every test its own state directory.
 */
function liveConfig(dir: string, name: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `name: ${name}
chain: ethereum
baseAsset: ETH
registry: ${join(ROOT, 'config/assets/ethereum.yaml')}
journal: ${join(dir, `${name}.sqlite`)}
feed: live
initialHoldings: { ETH: "100000000000000000000" }
universe: [ETH, wstETH]
strategy: { name: risk-adjusted }
sources:
  timeoutMs: 3000
  http:
    client: { timeoutMs: 500, retries: 0 }
    lido: { baseUrl: "http://127.0.0.1:9", assets: [wstETH] }
`,
  );
  return file;
}

const stateDir = () => process.env.RESTAKE_KEEPER_STATE_DIR as string;
const indexFile = () => join(stateDir(), 'vault-index.json');
const indexed = () => (JSON.parse(readFileSync(indexFile(), 'utf8')) as { journals: Array<{ identity: string; path: string }> }).journals;
const noStack = (s: string) => expect(s).not.toMatch(/^\s+at /m);

/** A first cycle into `journal`: the vault now has a journal the index knows. */
function start(config: string, journal: string, extra: string[] = []) {
  const r = cli(['once', '-c', config, '-j', journal, ...extra]);
  expect(r.code, r.stderr).not.toBe(3);
  expect(r.code, r.stderr).not.toBe(70);
  noStack(r.stderr);
  expect(existsSync(journal)).toBe(true);
  return r;
}

describe('a new journal for a vault the index knows elsewhere', () => {
  it('a mistyped path in another directory is refused with exit 3 naming the journal; nothing is created', () => {
    const dir = tempDir('jig-');
    const config = liveConfig(dir, 'vault-a');
    const real = join(dir, 'keeper', 'vault.sqlite');
    mkdirSync(join(dir, 'keepr'));
    start(config, real);
    expect(indexed().map((j) => j.path)).toContain(real);

    const typo = join(dir, 'keepr', 'vualt.sqlite');
    for (const cmd of [['once'], ['run', '--max-cycles', '1']]) {
      const r = cli([...cmd, '-c', config, '-j', typo]);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/no journal at .*keepr\/vualt\.sqlite, but vault vault-a already has one at .*keeper\/vault\.sqlite, known from the vault index .*vault-index\.json.*--fresh/);
      noStack(r.stderr);
      expect(existsSync(typo)).toBe(false);
    }
  }, 60_000);

  it('a relative --journal run from another directory is refused the same way', () => {
    const dir = tempDir('jig-');
    const config = liveConfig(dir, 'vault-rel');
    start(config, join(dir, 'vault.sqlite'));
    const elsewhere = tempDir('jig-cwd-');
    const r = cli(['once', '-c', config, '-j', 'vault.sqlite'], { cwd: elsewhere });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`already has one at ${join(dir, 'vault.sqlite')}`);
    expect(readdirSync(elsewhere)).toEqual([]);
  }, 60_000);

  it('--fresh starts the new journal on purpose, and the index then knows both', () => {
    const dir = tempDir('jig-');
    const config = liveConfig(dir, 'vault-f');
    const first = join(dir, 'a', 'vault.sqlite');
    start(config, first);
    const second = join(dir, 'b', 'other.sqlite');
    start(config, second, ['--fresh']);
    expect(indexed().map((j) => j.path).sort()).toEqual([first, second].sort());
    // The next new path is refused naming the journal opened most recently.
    const r = cli(['once', '-c', config, '-j', join(dir, 'c.sqlite')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`already has one at ${second.replace(/[.]/g, '\\.')} \\(and 1 other: ${first.replace(/[.]/g, '\\.')}\\)`));
  }, 60_000);

  it('a journal that was moved away no longer blocks, and is pruned from the index', () => {
    const dir = tempDir('jig-');
    const config = liveConfig(dir, 'vault-m');
    const old = join(dir, 'old.sqlite');
    start(config, old);
    const moved = join(dir, 'moved', 'vault.sqlite');
    mkdirSync(join(dir, 'moved'));
    renameSync(old, moved);
    for (const ext of ['-wal', '-shm']) if (existsSync(old + ext)) renameSync(old + ext, moved + ext);
    // Resuming at the new place is not a new journal; it is remembered there.
    start(config, moved);
    expect(indexed().map((j) => j.path)).toEqual([moved]);
    // And a journal deleted outright is forgotten by the next guard that finds it gone.
    for (const ext of ['', '-wal', '-shm']) if (existsSync(moved + ext)) renameSync(moved + ext, join(dir, `gone${ext}`));
    start(config, join(dir, 'new.sqlite'));
    expect(indexed().map((j) => j.path)).toEqual([join(dir, 'new.sqlite')]);
  }, 60_000);

  it('a corrupt index is a warning, never a crash or a refusal, and is kept aside when replaced', () => {
    const dir = tempDir('jig-');
    const config = liveConfig(dir, 'vault-c');
    mkdirSync(stateDir(), { recursive: true });
    writeFileSync(indexFile(), '{"version": 1, "journals": [ {"identity": ');
    const r = start(config, join(dir, 'v.sqlite'));
    expect(r.stderr).toMatch(/vault index .*vault-index\.json is corrupt/);
    expect(indexed().map((j) => j.path)).toEqual([join(dir, 'v.sqlite')]);
    expect(readdirSync(stateDir()).some((f) => f.startsWith('vault-index.json.corrupt-'))).toBe(true);
    // An index that is a directory (unreadable) does not block either.
    const other = liveConfig(dir, 'vault-d');
    const state2 = tempDir('jig-state-');
    mkdirSync(join(state2, 'vault-index.json'));
    const r2 = cli(['once', '-c', other, '-j', join(dir, 'd.sqlite')], { env: { RESTAKE_KEEPER_STATE_DIR: state2 } });
    expect(r2.code, r2.stderr).not.toBe(3);
    expect(r2.code).not.toBe(70);
    expect(r2.stderr).toMatch(/vault index .*could not be read \(EISDIR\)/);
    noStack(r2.stderr);
  }, 60_000);

  it('two different vaults do not block each other, and the index stores no secrets', () => {
    const dir = tempDir('jig-');
    const one = liveConfig(dir, 'vault-one');
    const two = liveConfig(dir, 'vault-two');
    start(one, join(dir, 'x', 'one.sqlite'));
    start(two, join(dir, 'y', 'two.sqlite'));
    expect(indexed().map((j) => j.identity).sort()).toEqual(['paper:vault-one', 'paper:vault-two']);
    expect(readFileSync(indexFile(), 'utf8')).not.toMatch(/127\.0\.0\.1|http|key/i);
  }, 60_000);

  it('serve refuses a fleet whose live vault points at a new journal (exit 3); --fresh lets it start', async () => {
    const dir = tempDir('jig-');
    const config = liveConfig(dir, 'vault-s');
    start(config, join(dir, 'vault.sqlite'));
    const fleet = join(dir, 'fleet.yaml');
    writeFileSync(fleet, `http: { port: 0 }\nvaults:\n  - config: ${config}\n    journal: ${join(dir, 'elsewhere', 'vault.sqlite')}\n    schedule: { every: 1h }\n`);
    const r = cli(['serve', '--fleet', fleet], { timeoutMs: 30_000 });
    expect(r.code, r.stdout + r.stderr).toBe(3);
    expect(r.stderr).toMatch(/no journal at .*elsewhere\/vault\.sqlite, but vault vault-s already has one at .*--fresh/);
    noStack(r.stderr);
    const served = cliAsync(['serve', '--fleet', fleet, '--fresh']);
    let stdout = '';
    let stopped = false;
    served.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      // One SIGTERM: a second one means "exit at once" (by the signal, without a status).
      if (!stopped && stdout.includes('listening on')) stopped = served.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((resolve) => served.on('close', resolve));
    expect(stdout).toMatch(/vault vault-s: .*journal .*elsewhere\/vault\.sqlite/);
    expect(code).toBe(143);
    expect(existsSync(join(dir, 'elsewhere', 'vault.sqlite'))).toBe(true);
  }, 60_000);
});

describe('a chain vault is its account', () => {
  it('a config of another name for the same account is refused a new journal; another account is not', () => {
    // The shipped config (placeholder vault 0x…dEaD, placeholder policy) copied twice under other names.
    const dir = tempDir('jig-chain-');
    cpSync(join(ROOT, 'config'), join(dir, 'config'), { recursive: true });
    mkdirSync(join(dir, 'history'));
    cpSync(join(ROOT, 'history', 'ethereum.csv'), join(dir, 'history', 'ethereum.csv'));
    const shipped = readFileSync(join(dir, 'config/vaults/eth-restaking.yaml'), 'utf8');
    const variant = (name: string, account: string) => {
      const f = join(dir, 'config/vaults', `${name}.yaml`);
      writeFileSync(f, shipped.replace(/^name: eth-restaking$/m, `name: ${name}`).replace('0x000000000000000000000000000000000000dEaD', account));
      return f;
    };
    const treasury = variant('treasury', '0x000000000000000000000000000000000000dEaD');
    const other = variant('other-dao', '0x00000000000000000000000000000000000b0b00');
    // The journal an EVM keeper keeps for the account: a journal holding runs of eth-restaking, known to the
    // index under the account (the executor itself needs a chain; the guard runs before it is made).
    const kept = join(dir, 'journals', 'main.sqlite');
    expect(cli(['run', '-c', join(dir, 'config/vaults/eth-restaking.yaml'), '-j', kept, '--max-cycles', '1', '-q']).code).toBe(0);
    mkdirSync(stateDir(), { recursive: true });
    const at = new Date().toISOString();
    writeFileSync(indexFile(), JSON.stringify({ version: 1, journals: [{ identity: 'evm:1:0x000000000000000000000000000000000000dead', vault: 'eth-restaking', path: kept, firstSeen: at, lastOpened: at }] }));

    const r = cli(['once', '--executor', 'evm', '-c', treasury, '-j', join(dir, 'elsewhere', 'treasury.sqlite')]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/vault treasury \(0x000000000000000000000000000000000000dEaD on EVM chain 1\) already has one at .*journals\/main\.sqlite/);
    // Another account is another vault: the guard lets it through, and it stops where it should, at the placeholder policy.
    const o = cli(['once', '--executor', 'evm', '-c', other, '-j', join(dir, 'elsewhere', 'other.sqlite')]);
    expect(o.code, o.stderr).toBe(2);
    expect(o.stderr).not.toMatch(/already has one/);
  }, 60_000);
});

describe('what the index does not hold a run to', () => {
  it('a paper replay of recorded history is a backtest: a second journal elsewhere runs, unindexed', () => {
    const a = join(tempDir('jig-'), 'a.sqlite');
    const b = join(tempDir('jig-'), 'b.sqlite');
    for (const j of [a, b]) {
      const r = cli(['run', '-j', j, '--max-cycles', '1', '-q']);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(existsSync(indexFile())).toBe(false);
  }, 60_000);

  it('chain vaults are their account: two configs for one address collide, one name on two accounts does not', () => {
    const cfg = (name: string, vault: string) => ({ name, execution: { evm: { chainId: 1, vault } } }) as unknown as VaultConfig;
    const addr = '0x1111111111111111111111111111111111111111';
    expect(vaultIdentity(cfg('main', addr), 'evm').key).toBe(vaultIdentity(cfg('treasury', addr.toUpperCase().replace('0X', '0x')), 'safe').key);
    expect(vaultIdentity(cfg('main', addr), 'evm').key).not.toBe(vaultIdentity(cfg('main', '0x2222222222222222222222222222222222222222'), 'evm').key);
    expect(vaultIdentity(cfg('main', addr), 'paper').key).toBe('paper:main');
  });

  it('the state directory: RESTAKE_KEEPER_STATE_DIR, else systemd\'s STATE_DIRECTORY, else XDG_STATE_HOME, else ~/.local/state', () => {
    expect(resolveStateDir({ RESTAKE_KEEPER_STATE_DIR: '/a', STATE_DIRECTORY: '/b', XDG_STATE_HOME: '/c' })).toBe('/a');
    expect(resolveStateDir({ STATE_DIRECTORY: '/var/lib/restake-keeper:/var/lib/other', XDG_STATE_HOME: '/c' })).toBe('/var/lib/restake-keeper');
    expect(resolveStateDir({ XDG_STATE_HOME: '/c' })).toBe('/c/restake-keeper');
    expect(resolveStateDir({ HOME: '/home/k' })).toMatch(/\/\.local\/state\/restake-keeper$/);
  });
});
