/**
 * The compiled build: `tsc -p tsconfig.build.json` into dist/, plus the files the code loads by
 * path at run time (the SQL migrations), so that `egw`, `npm start` and the benchmark's servers
 * run JavaScript with no TypeScript loader (and no esbuild service process) beside them.
 *
 * - `node scripts/build.js` (`npm run build`, and `prepare`, so `npm install` / `npm ci` run it):
 *   builds.
 * - `node scripts/build.js --if-stale`: builds only when dist/ is missing or a source changed
 *   after the last build began (the benchmark runs this first).
 * - bin/egw.js calls {@link ensureBuild}: a source checkout never runs stale code.
 * - The command is also bundled into one ES module, dist/egw.js (esbuild, which tsx brings): Node
 *   loads it in about half the time of the ~230 compiled modules and their packages' files
 *   (issue 14: module loading was most of `egw start`'s time to ready). Packages with native
 *   code, worker threads or lazy loading stay outside it. bin/egw.js runs it when it exists.
 *
 * Plain JavaScript on purpose: it runs before anything is compiled, on Node 20 (no type stripping).
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  cpSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..');
export const DIST = join(ROOT, 'dist');
const STAMP = join(DIST, '.build.json');
/** The bundled command; bin/egw.js falls back to dist/src/cli/main.js without it. */
export const BUNDLE = join(DIST, 'egw.js');
/**
 * Loaded from node_modules, not bundled: native addons (better-sqlite3), what loads only with a
 * ledger (Fabric's gateway and gRPC), and pino (its transports load files by path).
 */
const UNBUNDLED = ['better-sqlite3', '@hyperledger/fabric-gateway', '@grpc/grpc-js', 'pino'];
const LOCK = join(DIST, '.build.lock');
/** What tsconfig.build.json compiles and what its output depends on: a change here makes dist/ stale. */
const INPUTS = [
  'src',
  'connectors',
  'schemas',
  'bench/servers',
  'bench/startup',
  'tsconfig.json',
  'tsconfig.build.json',
];
/** Read by path at run time (MIGRATIONS_FOLDER is relative to the compiled sqlite-database.js). */
const ASSETS = ['src/adapters/portable/migrations'];
const LOCK_WAIT_MS = 120_000;

/** A build that could not run or failed; `message` is one line. */
export class BuildError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'BuildError';
  }
}

/**
 * The newest modification under `path` (files and folders, so a removed or renamed file counts).
 * @param {string} path
 * @returns {{ mtimeMs: number, path: string }}
 */
function newestChange(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return { mtimeMs: 0, path };
  }
  let newest = { mtimeMs: stat.mtimeMs, path };
  if (stat.isDirectory())
    for (const entry of readdirSync(path)) {
      const inner = newestChange(join(path, entry));
      if (inner.mtimeMs > newest.mtimeMs) newest = inner;
    }
  return newest;
}

/** @returns {{ mtimeMs: number, path: string }} */
function newestInput() {
  return INPUTS.map((input) => newestChange(join(ROOT, input))).reduce((a, b) =>
    b.mtimeMs > a.mtimeMs ? b : a,
  );
}

/**
 * Whether dist/ can run as it is, and if not, why (one clause for a message).
 * A dist/ without sources beside it (a deployment of the build alone) is taken as it is.
 * @returns {{ fresh: true } | { fresh: false, reason: string }}
 */
export function buildState() {
  /** @type {{ startedAt?: unknown, newestInput?: unknown } | null} */
  let stamp = null;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    // missing or half-written: no finished build
  }
  if (typeof stamp?.startedAt !== 'number')
    return { fresh: false, reason: 'there is no compiled build in dist/' };
  const newest = newestInput();
  if (newest.mtimeMs === 0) return { fresh: true };
  // Newer than the build's start, and not the newest input the build itself saw (a file dated
  // in the future would otherwise make every start rebuild).
  if (newest.mtimeMs > stamp.startedAt && newest.mtimeMs !== stamp.newestInput)
    return {
      fresh: false,
      reason: `dist/ is older than the sources (${relative(ROOT, newest.path)} changed)`,
    };
  return { fresh: true };
}

/** @param {number} ms */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** True when the lock file's process is gone (a build killed half-way leaves its lock behind). */
function lockAbandoned() {
  try {
    const text = readFileSync(LOCK, 'utf8').trim();
    if (text === '') return Date.now() - statSync(LOCK).mtimeMs > 10_000;
    process.kill(Number(text), 0);
    return false;
  } catch (error) {
    return /** @type {NodeJS.ErrnoException} */ (error).code !== 'EPERM';
  }
}

/**
 * Runs `fn` holding dist/.build.lock: concurrent starts (parallel tests, several `egw`
 * commands) build once, one after the other, never over each other.
 * @param {() => void} fn
 */
function withLock(fn) {
  mkdirSync(DIST, { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const fd = openSync(LOCK, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error;
    }
    if (lockAbandoned()) rmSync(LOCK, { force: true });
    else if (Date.now() > deadline)
      throw new BuildError(`another build has held ${relative(ROOT, LOCK)} for 2 minutes`);
    else sleepSync(100);
  }
  try {
    fn();
  } finally {
    rmSync(LOCK, { force: true });
  }
}

/** Bundles the compiled command into {@link BUNDLE}; nothing (and no bundle) without esbuild. */
function bundle() {
  let esbuild;
  try {
    esbuild = createRequire(import.meta.url)('esbuild');
  } catch {
    return;
  }
  try {
    esbuild.buildSync({
      entryPoints: [join(DIST, 'src/cli/main.js')],
      outfile: BUNDLE,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: UNBUNDLED,
      // CommonJS packages inside an ES module still call require() for Node's own modules.
      banner: {
        js: "import { createRequire as egwCreateRequire } from 'node:module'; const require = egwCreateRequire(import.meta.url);",
      },
      sourcemap: 'linked',
      logLevel: 'silent',
    });
  } catch (error) {
    throw new BuildError(
      `esbuild could not bundle dist/src/cli/main.js: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    );
  }
}

/** Compiles into dist/, copies the run-time assets and bundles the command; throws {@link BuildError}. */
export function build() {
  const startedAt = Date.now();
  const newest = newestInput().mtimeMs;
  // A bundle from an earlier build would outlive sources it no longer matches.
  rmSync(BUNDLE, { force: true });
  rmSync(`${BUNDLE}.map`, { force: true });
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new BuildError('typescript is not installed (npm install, without --omit=dev, installs it)');
  }
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (error) {
    const {
      stdout = '',
      stderr = '',
      message,
    } = /** @type {{ stdout?: string, stderr?: string, message: string }} */ (error);
    const first = `${stdout}\n${stderr}`.split('\n').find((line) => line.trim() !== '') ?? message;
    throw new BuildError(`tsc -p tsconfig.build.json failed: ${first.trim()}`);
  }
  for (const asset of ASSETS) cpSync(join(ROOT, asset), join(DIST, asset), { recursive: true });
  bundle();
  writeFileSync(STAMP, `${JSON.stringify({ startedAt, newestInput: newest, finishedAt: Date.now() })}\n`);
}

/**
 * Builds dist/ when it is missing or stale, under the lock; nothing when it is fresh.
 * @param {(line: string) => void} [note] told what is rebuilt and why, and how long it took
 * @returns {boolean} whether it built
 * @example ensureBuild((line) => process.stderr.write(`${line}\n`));
 */
export function ensureBuild(note) {
  const before = buildState();
  if (before.fresh) return false;
  const started = performance.now();
  let built = false;
  try {
    withLock(() => {
      // Another process may have built it while this one waited for the lock.
      if (buildState().fresh) return;
      build();
      built = true;
    });
  } catch (error) {
    // Also a read-only install (ProtectSystem=strict) or a missing compiler: one line, and what to run.
    const why = error instanceof Error ? error.message : String(error);
    throw new BuildError(
      `${before.reason}, and building it failed: ${why}; run \`npm run build\` in ${ROOT}`,
    );
  }
  if (built) note?.(`${before.reason}: built it in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const ifStale = process.argv.includes('--if-stale');
  const say = (/** @type {string} */ line) => process.stderr.write(`build: ${line}\n`);
  try {
    if (ifStale) ensureBuild(say);
    else withLock(build);
  } catch (error) {
    say(error instanceof Error ? error.message : String(error));
    process.exit(1);
  }
}
