import { renameSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the SVM server child's code is, and how it gets there. Node 20 cannot run the TypeScript
 * sources, so vitest's globalSetup (this file's default export) bundles svm-server/main.ts and the
 * doubles it imports into one ESM file with rolldown, once per vitest run, before any test file starts:
 * always from the current sources (no stale build), in well under a second. Packages stay external and
 * resolve from the project's node_modules, as for the crash runners under dist/.
 */
export const SVM_SERVER_BUNDLE = fileURLToPath(new URL('../../dist/svm-server/svm-server.mjs', import.meta.url));
const ENTRY = fileURLToPath(new URL('./svm-server/main.ts', import.meta.url));

export async function bundleSvmServer(): Promise<void> {
  const { build } = await import('rolldown');
  // Built beside the final file and renamed over it, so a concurrent vitest run never starts a half-written bundle.
  const tmp = `${SVM_SERVER_BUNDLE}.${process.pid}.tmp.mjs`;
  await build({
    input: ENTRY,
    platform: 'node',
    external: (id) => !id.startsWith('.') && !isAbsolute(id) && !id.startsWith('\0'),
    output: { file: tmp, format: 'esm' },
    logLevel: 'warn',
  });
  renameSync(tmp, SVM_SERVER_BUNDLE);
}

export default bundleSvmServer;
