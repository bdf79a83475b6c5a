import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Address } from 'viem';
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { KeeperError } from '../../errors.js';

/**
 * The signing key, from a file or from an environment variable named in the config. The key itself
 * never leaves this module as text: callers get a viem account (which signs without exposing it) and its
 * address. It is never logged (messages here never include it, and the logger redacts key-like fields),
 * never journaled (the journal holds signed transactions, not keys), and errors never quote it.
 */

export type KeySpec = { readonly file: string } | { readonly env: string };

export interface LoadedKey {
  readonly account: PrivateKeyAccount;
  readonly address: Address;
  /** Where it came from, e.g. "file /etc/keeper/key" or "env KEEPER_KEY" — never the key. */
  readonly source: string;
  readonly warnings: readonly string[];
}

export class KeyError extends KeeperError {}

function parseKey(text: string, source: string): `0x${string}` {
  const t = text.trim();
  const hex = t.startsWith('0x') || t.startsWith('0X') ? t.slice(2) : t;
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new KeyError(`${source} does not hold a private key (expected 32 bytes as 64 hex digits, optionally 0x-prefixed)`, { source });
  }
  return `0x${hex.toLowerCase()}`;
}

export function loadKey(spec: KeySpec, opts: { env?: NodeJS.ProcessEnv; log?: Logger } = {}): LoadedKey {
  const warnings: string[] = [];
  let text: string;
  let source: string;
  if ('file' in spec) {
    source = `key file ${spec.file}`;
    let mode: number;
    try {
      mode = statSync(spec.file).mode;
      text = readFileSync(spec.file, 'utf8');
    } catch (e) {
      throw new KeyError(`cannot read ${source}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { file: spec.file });
    }
    if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
      const w = `${source} is readable or writable by group/others (mode ${(mode & 0o777).toString(8).padStart(3, '0')}); chmod 600 it`;
      warnings.push(w);
      opts.log?.warn({ file: spec.file }, w);
    }
  } else {
    source = `environment variable ${spec.env}`;
    const v = (opts.env ?? process.env)[spec.env];
    if (v === undefined || v.trim() === '') throw new KeyError(`${source} is not set`, { env: spec.env });
    text = v;
  }
  const key = parseKey(text, source);
  let account: PrivateKeyAccount;
  try {
    account = privateKeyToAccount(key);
  } catch {
    // the underlying error may quote the value: do not chain it
    throw new KeyError(`${source} does not hold a valid secp256k1 private key`, { source });
  }
  return { account, address: account.address, source, warnings };
}
