/**
 * Secrets that turn up where they should not: a private key pasted into the wrong config field, an API key
 * inside an RPC URL, a token in a webhook path. Every message the CLI prints, every log line and every run
 * config the journal keeps passes through here, so none is ever written out whole.
 */

const REDACTED = '[redacted]';

// 0x + 64 hex (EVM private key), 64 bare hex, base58 runs of 80+ (Solana secret keys), a JSON byte array of 64.
const KEY_SHAPES: readonly RegExp[] = [
  /\b(?:0x)?[0-9a-fA-F]{64}\b/g,
  /\b[1-9A-HJ-NP-Za-km-z]{80,90}\b/g,
  /\[\s*(?:\d{1,3}\s*,\s*){63}\d{1,3}\s*\]/g,
];
// A value that is wholly a BIP-39 style mnemonic (12 to 24 short lower-case words). Only whole values: a
// sentence of prose is not a secret.
const MNEMONIC = /^\s*(?:[a-z]{3,8}\s+){11,23}[a-z]{3,8}\s*$/;
const URL_IN_TEXT = /\b(?:https?|wss?):\/\/[^\s"'<>`,)\]}]+/g;
const SECRET_QUERY = /^(?:api[-_]?key|apikey|key|token|access[-_]?token|auth|secret|signature|sig|password|pass)$/i;
// A path segment that is an access token: long, and mixing digits with letters (Alchemy /v2/<key>,
// Infura /v3/<id>, Slack /services/T…/B…/<token>, Discord /webhooks/<id>/<token>).
const TOKEN_SEGMENT = /^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_-]{16,}$/;

/** A URL with its user info, secret-named query values and token-like path segments replaced. */
export function redactUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return text;
  }
  if (u.username || u.password) {
    u.username = u.username ? REDACTED : '';
    u.password = u.password ? REDACTED : '';
  }
  u.pathname = u.pathname
    .split('/')
    .map((seg) => (TOKEN_SEGMENT.test(seg) ? REDACTED : seg))
    .join('/');
  for (const k of [...u.searchParams.keys()]) if (SECRET_QUERY.test(k)) u.searchParams.set(k, REDACTED);
  return u.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

/** Text with every key-shaped run and every URL's credentials replaced. */
export function redactText(text: string): string {
  let s = text.replace(URL_IN_TEXT, (m) => redactUrl(m));
  for (const re of KEY_SHAPES) s = s.replace(re, REDACTED);
  return s;
}

/** A configured or received value: redacted as text, and wholly when it is a mnemonic. */
export function redactValue(text: string): string {
  return MNEMONIC.test(text) ? REDACTED : redactText(text);
}

/** A deep copy of a JSON-like value with every string redacted (run configs, log objects). */
export function redactDeep<T>(value: T): T {
  return walk(value, new WeakSet()) as T;
}

function walk(v: unknown, seen: WeakSet<object>): unknown {
  if (typeof v === 'string') return redactValue(v);
  if (v === null || typeof v !== 'object') return v;
  if (seen.has(v)) return v;
  seen.add(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, seen));
  if (v instanceof Error || v instanceof Date || v instanceof Map || v instanceof Set) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = walk(x, seen);
  return out;
}
