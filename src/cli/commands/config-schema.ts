import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { RegistrySchema } from '../../config/registry-schema.js';
import { VaultSchema } from '../../config/vault-schema.js';

/** JSON Schema of the vault config (or the asset registry) for editors: the input shape, defaults included. */
export function configSchemaJson(kind: 'vault' | 'registry'): string {
  const schema = z.toJSONSchema(kind === 'vault' ? VaultSchema : RegistrySchema, { io: 'input', unrepresentable: 'any' });
  return JSON.stringify({ ...schema, title: kind === 'vault' ? 'restake-keeper vault config' : 'restake-keeper asset registry' }, null, 2);
}

export function configSchemaCommand(o: { kind: 'vault' | 'registry'; out?: string }, print: (l: string) => void): number {
  const json = configSchemaJson(o.kind);
  if (o.out) {
    writeFileSync(o.out, `${json}\n`);
    print(`wrote ${o.out}`);
  } else print(json);
  return 0;
}
