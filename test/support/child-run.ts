import { spawn } from 'node:child_process';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The crash tests' child process: `node <args>` with its output collected, SIGKILLed if it outlives
 * `timeoutMs`, resolved with how it ended (a failpoint's SIGKILL shows as signal SIGKILL).
 */
export function runNode(args: readonly string[], o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** This process's environment with RESTAKE_KEEPER_FAILPOINT set to `failpoint` (or removed), plus `extra`. */
export function failpointEnv(failpoint: string | undefined, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.RESTAKE_KEEPER_FAILPOINT;
  if (failpoint) env.RESTAKE_KEEPER_FAILPOINT = failpoint;
  return env;
}
