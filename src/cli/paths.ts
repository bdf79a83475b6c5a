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
