import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { exportTableCsv, JOURNAL_TABLES, openJournal } from '../src/journal/index.js';
import { cliRun, tempDir } from './support/cli.js';

/**
 * A journal written before redaction landed keeps URL credentials and key-shaped strings in plain text.
 * `journal export` must still print them redacted, while hashes the operator reconciles with stay whole.
 */

const KEY = '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const TX = `0x${'ab'.repeat(32)}`;
const URL_SECRET = 'https://user:secret@rpc.example/v2/Zx81kQ4mT7uB2nW9pL5sR3vY6cE0aH1d?apiKey=hunter2';
const dir = tempDir('export-redact-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function oldJournal(file: string): void {
  const j = openJournal(file);
  // The run config as a version before redaction journaled it: the journal stores what it is given.
  const configJson = JSON.stringify({ execution: { evm: { rpcUrl: URL_SECRET, keyHex: KEY } }, webhook: URL_SECRET, n: 3 });
  const runId = j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'c'.repeat(64), configJson });
  const cycleId = j.beginCycle({ runId, decisionTime: 10, at: 11 });
  j.recordEvent({ at: 12, kind: 'note', severity: 'warn', message: `rpc ${URL_SECRET} refused key ${KEY}`, data: { txHash: TX, url: URL_SECRET, key: `0x${KEY}` } });
  j.close();
  void cycleId;
}

async function exported(db: Database.Database, table: string): Promise<string> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c));
  await exportTableCsv(db, table, sink);
  return Buffer.concat(chunks).toString('utf8');
}

describe('journal export redacts what older journals kept in plain text', () => {
  const file = join(dir, 'old.sqlite');
  oldJournal(file);

  it('the journal really holds the secrets (the test would pass vacuously otherwise)', () => {
    const db = new Database(file, { readonly: true });
    const raw = (db.prepare('SELECT config_json FROM runs').get() as { config_json: string }).config_json;
    const msg = (db.prepare('SELECT message FROM events').get() as { message: string }).message;
    db.close();
    expect(raw).toContain('user:secret@');
    expect(raw).toContain(KEY);
    expect(msg).toContain(KEY);
  });

  it('runs.config_json and events export redacted; config hash and tx hash stay whole; the rest of the config is intact', async () => {
    const db = new Database(file, { readonly: true });
    const runs = await exported(db, 'runs');
    const events = await exported(db, 'events');
    const all: string[] = [];
    for (const t of JOURNAL_TABLES) all.push(await exported(db, t));
    db.close();
    for (const text of [runs, events, ...all]) {
      expect(text).not.toContain('secret@');
      expect(text).not.toContain(KEY);
      expect(text).not.toContain('hunter2');
      expect(text).not.toContain('Zx81kQ4mT7uB2nW9pL5sR3vY6cE0aH1d');
    }
    const row = (parse(runs, { columns: true }) as Record<string, string>[])[0]!;
    expect(row.config_hash).toBe('c'.repeat(64));
    const cfg = JSON.parse(row.config_json!) as { execution: { evm: { rpcUrl: string; keyHex: string } }; n: number };
    expect(cfg.execution.evm.rpcUrl).toBe('https://[redacted]:[redacted]@rpc.example/v2/[redacted]?apiKey=[redacted]');
    expect(cfg.execution.evm.keyHex).toBe('[redacted]');
    expect(cfg.n).toBe(3);
    const ev = (parse(events, { columns: true }) as Record<string, string>[])[0]!;
    expect(ev.message).toMatch(/^rpc https:\/\/\[redacted\]:\[redacted\]@rpc\.example\/.* refused key \[redacted\]$/);
    const data = JSON.parse(ev.data_json!) as { txHash: string; key: string };
    expect(data.txHash).toBe(TX);
    expect(data.key).toBe('[redacted]');
  });

  it('rows without secrets export byte for byte as journaled', async () => {
    const f = join(dir, 'clean.sqlite');
    const j = openJournal(f);
    const cfg = '{"b": 1.50, "a":"x,y"}';
    j.startRun({ at: 0, mode: 'paper', vault: 'v1', configHash: 'h', configJson: cfg });
    const text = await exported(j.db, 'runs');
    j.close();
    expect((parse(text, { columns: true }) as Record<string, string>[])[0]!.config_json).toBe(cfg);
  });

  it('the CLI `journal export runs` prints the old journal redacted', async () => {
    const r = await cliRun(['journal', 'export', 'runs', '-j', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('rpc.example');
    expect(r.stdout).not.toContain('secret@');
    expect(r.stdout).not.toContain(KEY);
    const out = join(dir, 'runs.csv');
    expect((await cliRun(['journal', 'export', 'runs', '-j', file, '--out', out])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).not.toContain(KEY);
  });
});
