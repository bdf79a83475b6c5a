import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * The vault index: every journal the keeper has opened for a vault identity, one small JSON file in the
 * state directory ($RESTAKE_KEEPER_STATE_DIR, else systemd's $STATE_DIRECTORY, else
 * $XDG_STATE_HOME/restake-keeper, else ~/.local/state/restake-keeper). It only ever holds identities (vault names, chains, public addresses),
 * absolute journal paths and times: never a key, a URL or a config.
 *
 * It is a hint, never an authority: an unreadable or corrupt index is a warning and reads as empty (it is
 * kept aside when the next write replaces it), a write that fails is a warning, and entries whose file is
 * gone are pruned by the reader that finds them so. Writes go to a temporary file, fsynced, then renamed
 * over the index, so a reader never sees half a file; two keepers writing at the same instant can lose one
 * entry, which the next open of that journal records again.
 */
const IndexSchema = z.object({
  version: z.literal(1),
  journals: z.array(
    z.object({
      identity: z.string().min(1),
      vault: z.string(),
      path: z.string().min(1),
      firstSeen: z.string(),
      lastOpened: z.string(),
    }),
  ),
});
export type IndexedJournal = z.output<typeof IndexSchema>['journals'][number];

export type Warn = (message: string) => void;

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RESTAKE_KEEPER_STATE_DIR) return resolve(env.RESTAKE_KEEPER_STATE_DIR);
  // Under systemd with StateDirectory= (deploy/restake-keeper.service: DynamicUser, ProtectHome) there is no
  // writable home; the unit's own state directory is where the index belongs.
  const systemd = env.STATE_DIRECTORY?.split(':')[0];
  if (systemd) return resolve(systemd);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'restake-keeper');
  return join(homedir(), '.local', 'state', 'restake-keeper');
}

export class VaultIndex {
  #journals: IndexedJournal[];
  #corrupt: boolean;

  private constructor(
    readonly file: string,
    journals: IndexedJournal[],
    corrupt: boolean,
    private readonly warn: Warn,
  ) {
    this.#journals = journals;
    this.#corrupt = corrupt;
  }

  /** Reads the index; a missing file is an empty index, an unreadable one a warning and an empty index. */
  static load(o: { env?: NodeJS.ProcessEnv | undefined; warn: Warn }): VaultIndex {
    const file = join(stateDir(o.env), 'vault-index.json');
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') o.warn(`the vault index ${file} could not be read (${code ?? (e as Error).message}); the journal path guard works without it this time`);
      return new VaultIndex(file, [], false, o.warn);
    }
    try {
      return new VaultIndex(file, IndexSchema.parse(JSON.parse(text)).journals, false, o.warn);
    } catch {
      o.warn(`the vault index ${file} is corrupt (not the index's JSON); ignored, and replaced at the next write (the damaged file is kept aside)`);
      return new VaultIndex(file, [], true, o.warn);
    }
  }

  journalsOf(identity: string): IndexedJournal[] {
    return this.#journals.filter((j) => j.identity === identity).sort((a, b) => b.lastOpened.localeCompare(a.lastOpened));
  }

  /** Forgets the given journals of an identity (their file is gone) and writes the index. */
  forget(identity: string, paths: readonly string[]): void {
    if (paths.length === 0) return;
    this.#journals = this.#journals.filter((j) => !(j.identity === identity && paths.includes(j.path)));
    this.#save();
  }

  /** Records that `path` (absolute, resolved) is a journal of `identity`, opened now. */
  remember(identity: string, vault: string, path: string, now = new Date()): void {
    const at = now.toISOString();
    const known = this.#journals.find((j) => j.identity === identity && j.path === path);
    if (known) known.lastOpened = at;
    else this.#journals.push({ identity, vault, path, firstSeen: at, lastOpened: at });
    this.#save();
  }

  #save(): void {
    const dir = resolve(this.file, '..');
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (this.#corrupt) {
        renameSync(this.file, `${this.file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`);
        this.#corrupt = false;
      }
      const fd = openSync(tmp, 'w', 0o600);
      try {
        writeSync(fd, `${JSON.stringify({ version: 1, journals: this.#journals }, null, 2)}\n`);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.file);
    } catch (e) {
      this.warn(`the vault index ${this.file} could not be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); the journal path guard will not know this journal`);
    }
  }
}
