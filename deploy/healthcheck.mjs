// Docker HEALTHCHECK: GET /readyz on the container's own port with the bearer token, exit 0 only on 200.
// The token comes from the same file the fleet reads (RESTAKE_KEEPER_TOKEN_FILE, default the Docker secret).
import { readFileSync } from 'node:fs';

const port = process.env.RESTAKE_KEEPER_PORT ?? '9464';
const file = process.env.RESTAKE_KEEPER_TOKEN_FILE ?? '/run/secrets/http-token';
let token;
try {
  token = readFileSync(file, 'utf8').trim();
} catch {
  token = undefined;
}
try {
  const r = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(4000) });
  const body = await r.text();
  if (r.status !== 200) process.stdout.write(body);
  process.exit(r.status === 200 ? 0 : 1);
} catch (e) {
  process.stdout.write(`readyz unreachable: ${e.message}\n`);
  process.exit(1);
}
