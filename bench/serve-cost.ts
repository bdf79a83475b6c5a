/**
 * The cost of serving (issue 14): `restake-keeper serve` with both shipped vaults on recorded history, as
 * a real subprocess, each vault running 1 000 cycles back to back (a tick every 1 ms; each tick one
 * recorded step), while /metrics, /api/vaults and the status page are scraped every 10 cycles. The
 * process's CPU time (from /proc/<pid>/stat) and resident memory (VmRSS) are read every 100 cycles; growth
 * would show as CPU per cycle or RSS rising from one block of cycles to the next.
 *
 * Recorded steps are shorter than the vaults' own (8 h on Ethereum, 12 h on Solana) so that 1 000 cycles
 * of each fit in the bundled history; a cycle then often sees no new reading, which is also what a live
 * keeper polled faster than its sources update does.
 */
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const CYCLES = Number(process.env.BENCH_SERVE_CYCLES ?? 1000);
const TICK = Number(process.env.CLK_TCK ?? 100); // Linux USER_HZ

function procCpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICK; // utime + stime
}

function procRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

/** V8 heap in use, from the server's own default metrics (the last scrape). */
const heapUsedMb = (text: string) => Number(/^nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1] ?? 0) / 1_048_576;

const count = (text: string, vault: string) => {
  let n = 0;
  for (const o of ['completed', 'halted', 'failed', 'error']) {
    const line = text.split('\n').find((l) => l.startsWith(`restake_keeper_cycles_total{vault="${vault}",outcome="${o}"}`));
    n += Number(line?.split(' ').pop() ?? 0);
  }
  return n;
};

export async function benchServeCost(root: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rk-serve-bench-'));
  const end = (from: string, stepH: number) => new Date(Date.parse(from) + (CYCLES - 1) * stepH * 3_600_000).toISOString();
  const fleet = join(dir, 'fleet.yaml');
  writeFileSync(
    fleet,
    `http: { host: 127.0.0.1, port: 0 }
vaults:
  - config: ${join(root, 'config/vaults/eth-restaking.yaml')}
    journal: eth.sqlite
    schedule: { every: 1ms }
    replay: { from: "2024-06-12T00:00:00Z", to: "${end('2024-06-12T00:00:00Z', 8)}", step: 8h }
  - config: ${join(root, 'config/vaults/sol-staking.yaml')}
    journal: sol.sqlite
    schedule: { every: 1ms }
    replay: { from: "2023-03-01T00:00:00Z", to: "${end('2023-03-01T00:00:00Z', 12)}", step: 12h }
`,
  );
  const child = spawn(process.execPath, [join(root, 'dist/src/cli/main.js'), 'serve', '--fleet', fleet, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const pid = child.pid as number;
  let url: string | undefined;
  while (!url) {
    await new Promise((r) => setTimeout(r, 50));
    url = /listening on (\S+)/.exec(out)?.[1];
    if (child.exitCode !== null) throw new Error(`serve exited: ${out}`);
  }
  // Cycles are counted from the journals (read-only, in this process) so that the server does a fixed
  // amount of HTTP work per cycle: one scrape of /metrics, /api/vaults and / every 10 cycles per vault.
  const journals = ['eth.sqlite', 'sol.sqlite'].map((f) => join(dir, f));
  const cyclesDone = () =>
    Math.min(
      ...journals.map((f) => {
        const db = new Database(f, { readonly: true, fileMustExist: true });
        try {
          return (db.prepare('SELECT COUNT(*) AS n FROM cycle_ends').get() as { n: number }).n;
        } finally {
          db.close();
        }
      }),
    );
  const started = performance.now();
  const rows: Array<{ cycles: number; cpu: number; rss: number; wall: number; scrapeMs: number; heapMb: number }> = [{ cycles: 0, cpu: procCpuSeconds(pid), rss: procRssMb(pid), wall: 0, scrapeMs: 0, heapMb: 0 }];
  let peakRss = 0;
  let scrapes = 0;
  let scrapedAt = 0;
  let scrapeMs = 0;
  let lastMetrics = '';
  for (;;) {
    const n = cyclesDone();
    peakRss = Math.max(peakRss, procRssMb(pid));
    if (n >= scrapedAt + 10) {
      scrapedAt = n - (n % 10);
      const t0 = performance.now();
      lastMetrics = await (await fetch(`${url}/metrics`)).text();
      await (await fetch(`${url}/api/vaults`)).text();
      await (await fetch(`${url}/`)).text();
      scrapeMs += performance.now() - t0;
      scrapes += 3;
    }
    while (n >= (rows[rows.length - 1]?.cycles ?? 0) + 100) {
      rows.push({ cycles: (rows[rows.length - 1]?.cycles ?? 0) + 100, cpu: procCpuSeconds(pid), rss: procRssMb(pid), wall: (performance.now() - started) / 1000, scrapeMs, heapMb: heapUsedMb(lastMetrics) });
      scrapeMs = 0;
    }
    if (n >= CYCLES) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const counted = Math.min(count(lastMetrics, 'eth-restaking'), count(lastMetrics, 'sol-staking'));
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  rmSync(dir, { recursive: true, force: true });

  console.log(`\nserving cost: serve with eth-restaking + sol-staking (recorded, paper), ${CYCLES} cycles each, ${scrapes} requests (/metrics, /api/vaults and / every 10 cycles; the last scrape counted ${counted} cycles per vault)`);
  console.log('  cycles/vault   CPU s (total)   CPU ms per cycle pair (block)   RSS MB   V8 heap used MB   wall s   ms per scrape of the 3 pages');
  for (let i = 1; i < rows.length; i++) {
    const r = rows[i] as (typeof rows)[0];
    const p = rows[i - 1] as (typeof rows)[0];
    const perPair = ((r.cpu - p.cpu) * 1000) / (r.cycles - p.cycles);
    console.log(`  ${String(r.cycles).padStart(12)}   ${r.cpu.toFixed(2).padStart(13)}   ${perPair.toFixed(2).padStart(29)}   ${r.rss.toFixed(0).padStart(6)}   ${r.heapMb.toFixed(1).padStart(15)}   ${r.wall.toFixed(1).padStart(6)}   ${(r.scrapeMs / 10).toFixed(1).padStart(8)}`);
  }
  const block = (i: number) => ((rows[i] as (typeof rows)[0]).cpu - (rows[i - 1] as (typeof rows)[0]).cpu) / (((rows[i] as (typeof rows)[0]).cycles - (rows[i - 1] as (typeof rows)[0]).cycles) / 1000);
  const k = rows.length - 1;
  const early = (block(2) + block(3)) / 2;
  const late = (block(k - 1) + block(k)) / 2;
  const rssMid = rows[Math.floor(k / 2)]?.rss ?? 0;
  const rssEnd = rows[k]?.rss ?? 0;
  console.log(`  CPU per 1 000 cycle pairs: ${early.toFixed(2)} s in cycles 100-300, ${late.toFixed(2)} s in the last 200 (${((late / early - 1) * 100).toFixed(0)} %)`);
  console.log(`  RSS: ${rssMid.toFixed(0)} MB at ${rows[Math.floor(k / 2)]?.cycles} cycles, ${rssEnd.toFixed(0)} MB at ${rows[k]?.cycles} (${((rssEnd / rssMid - 1) * 100).toFixed(0)} %), peak ${peakRss.toFixed(0)} MB`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await benchServeCost(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'));
}
