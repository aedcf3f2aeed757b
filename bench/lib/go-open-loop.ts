/**
 * The open-loop generator in Go (bench/loadgen): the same schedule, samples and lag check as
 * `runOpenLoop`, but each request is sent from its own goroutine, so answers being read cannot
 * delay the next send. M7's online generator used to fall behind here because its core also runs
 * the batch client and the sandboxes (issue 14). Built once per run into tmp/; without a Go
 * toolchain the caller falls back to the Node generator and says so.
 */
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { assessLag, type OpenLoopResult, type Sample } from './open-loop.ts';
import { ROOT } from './processes.ts';

const BINARY = join(ROOT, 'tmp', 'bench-loadgen');
let built: boolean | undefined;

/** Builds bench/loadgen once; false when there is no Go toolchain (or the build fails). */
export function goLoadgen(): boolean {
  if (built === undefined) {
    try {
      execFileSync('go', ['build', '-o', BINARY, '.'], { cwd: join(ROOT, 'bench/loadgen'), stdio: 'pipe' });
      built = true;
    } catch {
      built = false;
    }
  }
  return built;
}

/** One open-loop repetition of HTTP requests to `url + path`. */
export interface GoOpenLoopJob {
  readonly url: string;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  /** Request i carries bodies[i % n] (none: no body). */
  readonly bodies?: readonly string[];
  /** Request i carries `idempotency-key: <keyPrefix>-<i>`. */
  readonly keyPrefix?: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly warmupMs?: number;
  /** Pinned to this core (taskset), SCHED_FIFO where the kernel allows it. */
  readonly core: number;
}

/**
 * Runs one repetition in the Go generator; resolves like `runOpenLoop`.
 * @example const r = await runGoOpenLoop({ url, path: '/hello', method: 'GET', headers: {}, ratePerSecond: 50, durationMs: 5000, core: 1 });
 */
export async function runGoOpenLoop(job: GoOpenLoopJob): Promise<OpenLoopResult> {
  // SCHED_FIFO, as the Node generator runs its open-loop repetitions; without CAP_SYS_NICE, chrt
  // refuses at once and the generator runs with the normal policy.
  try {
    return await runOnce(job, true);
  } catch (error) {
    if (error instanceof ChrtRefused) return runOnce(job, false);
    throw error;
  }
}

class ChrtRefused extends Error {}

async function runOnce(job: GoOpenLoopJob, realtime: boolean): Promise<OpenLoopResult> {
  const pinned = ['taskset', '-c', String(job.core), BINARY];
  const [command = 'taskset', ...args] = realtime ? ['chrt', '-f', '10', ...pinned] : pinned;
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const text = { stdout: '', stderr: '' };
  for (const stream of ['stdout', 'stderr'] as const)
    child[stream].on('data', (d: Buffer) => {
      text[stream] += d.toString();
    });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.stdin.end(
    JSON.stringify({
      url: job.url,
      path: job.path,
      method: job.method,
      headers: job.headers,
      bodies: job.bodies ?? [],
      keyPrefix: job.keyPrefix ?? '',
      rate: job.ratePerSecond,
      durationMs: job.durationMs,
      warmupMs: job.warmupMs ?? 0,
    }),
  );
  const code = await exited;
  const { stdout, stderr } = text;
  if (code !== 0 && realtime && stdout === '' && /^chrt:/m.test(stderr)) throw new ChrtRefused(stderr);
  if (code !== 0) throw new Error(`bench loadgen exited with ${code}: ${stderr.trim()}`);
  const out = JSON.parse(stdout) as {
    samples: Sample[] | null;
    unanswered: number;
    answered: number;
    endMs: number;
  };
  const samples = out.samples ?? [];
  return {
    rate: job.ratePerSecond,
    durationMs: job.durationMs,
    samples,
    unanswered: out.unanswered,
    lag: assessLag(samples.map((s) => s.lag)),
    answeredPerSecond: (out.answered * 1000) / Math.max(out.endMs, 1),
  };
}
