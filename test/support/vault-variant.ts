import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export const SHIPPED_VAULT = join(ROOT, 'config/vaults/eth-restaking.yaml');

/** The shipped vault's text with its relative paths made absolute and its journal in `dir`. */
export function vaultText(dir: string, from = SHIPPED_VAULT): string {
  return readFileSync(from, 'utf8')
    .replace(/registry: \.\.\/assets\//, `registry: ${join(ROOT, 'config/assets')}/`)
    .replace(/history: \.\.\/\.\.\/history\//, `history: ${join(ROOT, 'history')}/`)
    .replace(/policy: \.\.\/policies\//, `policy: ${join(ROOT, 'config/policies')}/`)
    .replace(/journal: \.\.\/\.\.\/var\/[^\s]+/, `journal: ${join(dir, 'journal.sqlite')}`);
}

/** Writes a variant of the shipped vault (edited by `edit`) into `dir` and returns its path. */
export function writeVariant(dir: string, edit: (yaml: string) => string = (y) => y, name = 'vault.yaml', from = SHIPPED_VAULT): string {
  const file = join(dir, name);
  writeFileSync(file, edit(vaultText(dir, from)));
  return file;
}
