import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, whether running from src/ (tests) or dist/src/ (the built CLI). */
export function projectRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const up = here.includes(`${'/'}dist${'/'}`) ? ['..', '..', '..'] : ['..', '..'];
  return resolve(here, ...up);
}

export const DEFAULT_VAULT = 'config/vaults/eth-restaking.yaml';

export function defaultVaultPath(): string {
  return resolve(projectRoot(), DEFAULT_VAULT);
}

/** The version in package.json, with the git commit when the checkout has one (what `--version` prints). */
export function packageVersion(): string {
  const root = projectRoot();
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version?: string }).version ?? version;
  } catch {
    // a bare dist/ without package.json still answers
  }
  const commit = gitCommit(root);
  return commit ? `${version} (${commit})` : version;
}

/** The checked-out commit read from .git (no git binary needed), or undefined. */
export function gitCommit(root = projectRoot()): string | undefined {
  try {
    let gitDir = resolve(root, '.git');
    const dotGit = readFileSync(gitDir, 'utf8'); // a worktree's .git is a file naming the real directory
    const m = /^gitdir: (.+)$/m.exec(dotGit);
    if (m) gitDir = resolve(root, (m[1] as string).trim());
    return headOf(gitDir);
  } catch {
    try {
      return headOf(resolve(root, '.git'));
    } catch {
      return undefined;
    }
  }
}

function headOf(gitDir: string): string | undefined {
  const head = readFileSync(resolve(gitDir, 'HEAD'), 'utf8').trim();
  if (/^[0-9a-f]{40}$/.test(head)) return head.slice(0, 12);
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  const candidates = [resolve(gitDir, ref)];
  const common = /^(.+)\/worktrees\/[^/]+$/.exec(gitDir)?.[1];
  if (common) candidates.push(resolve(common, ref));
  for (const c of candidates) {
    try {
      return readFileSync(c, 'utf8').trim().slice(0, 12);
    } catch {
      // try the next place the ref may live
    }
  }
  return undefined;
}
