import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { KeeperError } from '../errors.js';

/**
 * A secret named in a config file, never written there: `{ env: NAME }` (the variable's name) or
 * `{ file: /run/credentials/… }` (systemd's LoadCredential, a Docker secret). Messages name where the
 * secret was looked for, never its value.
 */
export const SecretRefSchema = z.union([
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'the NAME of an environment variable (not the secret itself)') }),
  z.strictObject({ file: z.string().min(1) }),
]);
export type SecretRef = z.output<typeof SecretRefSchema>;

export class SecretError extends KeeperError {}

export function describeSecret(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `file ${ref.file}`;
}

/** The secret's text, trimmed; throws SecretError when it is missing or empty. */
export function readSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  let v: string | undefined;
  if ('env' in ref) v = env[ref.env];
  else {
    try {
      v = readFileSync(ref.file, 'utf8');
    } catch (e) {
      throw new SecretError(`cannot read the secret in ${describeSecret(ref)}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { where: describeSecret(ref) });
    }
  }
  const t = v?.trim() ?? '';
  if (t === '') throw new SecretError(`the secret in ${describeSecret(ref)} is not set or empty`, { where: describeSecret(ref) });
  return t;
}
