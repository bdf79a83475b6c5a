import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './support/cli.js';

/**
 * Commands that read or amend an existing journal never create one: given a mistyped --journal each
 * refuses with exit 3, names the path and the journal beside it, and leaves nothing on disk (no empty
 * journal, no lease file, no output file).
 */

const dir = tempDir('op-journal-');
const real = join(dir, 'vault.sqlite');
const typo = join(dir, 'vualt.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(() => {
  const r = cli(['run', '-j', real, '--max-cycles', '2', '-q']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

const COMMANDS: ReadonlyArray<{ name: string; args: (j: string) => string[] }> = [
  { name: 'evm cancel', args: (j) => ['evm', 'cancel', '-j', j, '--nonce', '7', '--live'] },
  { name: 'evm resume', args: (j) => ['evm', 'resume', '-j', j, '--note', 'understood'] },
  { name: 'evm status', args: (j) => ['evm', 'status', '-j', j] },
  { name: 'journal cycles', args: (j) => ['journal', 'cycles', '-j', j] },
  { name: 'journal show', args: (j) => ['journal', 'show', '1', '-j', j] },
  { name: 'journal events', args: (j) => ['journal', 'events', '-j', j] },
  { name: 'journal export', args: (j) => ['journal', 'export', 'cycles', '-j', j] },
  { name: 'report', args: (j) => ['report', '--journal', j, '-o', join(dir, 'r.html')] },
  { name: 'export', args: (j) => ['export', '-j', j, '-o', join(dir, 'h.csv')] },
];

describe('operator and read commands given a mistyped --journal', () => {
  for (const c of COMMANDS) {
    it(`${c.name}: exit 3, the path named, the journal beside it suggested, nothing created`, () => {
      const before = readdirSync(dir).sort();
      const r = cli(c.args(typo), { cwd: dir });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`no journal at ${typo}`);
      expect(r.stderr).toContain(`: ${c.name.startsWith('journal') ? 'journal' : c.name} reads an existing journal and never creates one`);
      expect(r.stderr).toContain(`(did you mean ${real}?)`);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(typo), 'no journal created').toBe(false);
      expect(readdirSync(dir).sort(), 'no lease, journal or output file').toEqual(before);
    });
  }

  it('the same commands read the real journal (the refusal is about the path, not the command)', () => {
    for (const args of [['journal', 'cycles', '-j', real], ['evm', 'status', '-j', real], ['report', '--journal', real, '-o', join(dir, 'ok.html')]]) {
      const r = cli(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    expect(existsSync(join(dir, 'ok.html'))).toBe(true);
  });

  it('an empty file is not a journal: refused, left as it is, not turned into one', () => {
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    const r = cli(['evm', 'resume', '-j', empty, '--note', 'x']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${empty} is empty, not a journal`);
    expect(readdirSync(dir).filter((f) => f.startsWith('empty'))).toEqual(['empty.sqlite']);
    rmSync(empty);
  });

  it('a path with no journal near it is refused without a suggestion', () => {
    const far = join(dir, 'nowhere', 'other.sqlite');
    const r = cli(['journal', 'events', '-j', far]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`no journal at ${far}: journal reads an existing journal and never creates one`);
    expect(existsSync(join(dir, 'nowhere'))).toBe(false);
  });
});
