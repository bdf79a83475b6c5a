/**
 * CLI start time: `--version` (everything main.js loads before commander answers) and `validate-config`
 * on the shipped Ethereum vault (a config load, without a journal), each BENCH_START_RUNS times (10) in a
 * fresh process. Reported as medians of wall time and of the process's own CPU time (user + system, read
 * at exit): on a shared machine the wall time swings with other work, the CPU time much less. Chain
 * executors (Solana, Squads, Safe, EVM) are imported only when a run asks for one (executor-factory.ts),
 * so neither command loads them.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_START_RUNS ?? 10);
// Printed by the child as it exits: its own CPU time in microseconds.
const CPU_AT_EXIT = `data:text/javascript,${encodeURIComponent("process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write('\\ncpu-us ' + (u.user + u.system) + '\\n'); });")}`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function time(root: string, args: string[]): { wallMs: number; cpuMs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', CPU_AT_EXIT, join(root, 'dist', 'src', 'cli', 'main.js'), ...args], { cwd: root, encoding: 'utf8' });
    wall.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`restake-keeper ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    cpu.push(Number(/cpu-us (\d+)/.exec(r.stderr)?.[1] ?? NaN) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

export function benchCliStart(root: string): void {
  console.log(`\nCLI start (median of ${RUNS} fresh processes)`);
  for (const [label, args] of [
    ['--version', ['--version']],
    ['validate-config config/vaults/eth-restaking.yaml', ['validate-config', join(root, 'config', 'vaults', 'eth-restaking.yaml')]],
  ] as const) {
    const t = time(root, [...args]);
    console.log(`  ${label.padEnd(52)} wall ${t.wallMs.toFixed(0).padStart(5)} ms   cpu ${t.cpuMs.toFixed(0).padStart(5)} ms`);
  }
}
