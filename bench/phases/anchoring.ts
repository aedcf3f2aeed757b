/**
 * M6 (issue 10): anchor lag at 50 % load. A gateway started as an operator would
 * (`egw start --ledger fabric --fabric-profile …`, pinned to the gateway's core, its own log
 * origin because the ledger keeps one anchor chain per origin) takes open-loop load at half its
 * closed-loop capacity; each decision's commit time (its 201) and leaf index are recorded, and
 * after the load each decision is mapped to the first anchor covering its leaf. The baseline is
 * the orderer's BatchTimeout: a block cannot be cut sooner, so lag ÷ BatchTimeout says how many
 * block intervals a decision waits for the ledger.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { issueDevToken } from '../../src/adapters/node/key-files.ts';
import { type AnchorPoint, anchorLag, type CommittedDecision } from '../lib/anchor-lag.ts';
import { httpTarget } from '../lib/clients.ts';
import { runClosedLoop } from '../lib/closed-loop.ts';
import type { FabricNetwork } from '../lib/fabric-network.ts';
import { type HarnessSettings, measureRep, nextSerial, settle } from '../lib/harness.ts';
import { type PinnedChild, spawnPinned } from '../lib/processes.ts';
import type { MetricRecord } from '../lib/report.ts';
import { GATEWAY_CORE, type Systems } from '../lib/systems.ts';
import { anchoringReport, type RepOutcome } from './anchoring-report.ts';
import { FIXED } from './latency.ts';

export interface AnchoringOptions {
  readonly systems: Systems;
  readonly network: Extract<FabricNetwork, { up: true }>;
  readonly bodies: readonly string[];
  readonly settings: HarnessSettings;
  readonly reps: number;
  /** Closed-loop seconds of the capacity measurement, when `capacity` is not given. */
  readonly capSeconds: number;
  /** F's closed-loop capacity (req/s) if the cap phase ran in this invocation. */
  readonly capacity?: number;
  readonly workDir: string;
}

/** The anchoring gateway as `egw start` runs it; resolves once it prints its URL. */
async function startAnchoringGateway(
  options: AnchoringOptions,
  dataDir: string,
  origin: string,
): Promise<{ proc: PinnedChild; url: string }> {
  const proc = spawnPinned(GATEWAY_CORE, 'src/cli/main.ts', [
    'start',
    '--port',
    '0',
    '--quiet',
    '--data',
    dataDir,
    '--registries',
    options.systems.registriesFile,
    '--log-origin',
    origin,
    '--ledger',
    'fabric',
    '--fabric-profile',
    options.network.profileFile,
  ]);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`egw start gave no URL in 60 s:\n${proc.output()}`)),
      60_000,
    );
    const look = () => {
      const m = /listening on (http:\/\/\S+)/.exec(proc.output());
      if (!m?.[1]) return;
      clearTimeout(timer);
      proc.child.stdout?.off('data', look);
      resolve(m[1]);
    };
    proc.child.stdout?.on('data', look);
    proc.child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`egw start exited:\n${proc.output()}`));
    });
  });
  return { proc, url };
}

function leafIndexOf(body: unknown): number | undefined {
  if (typeof body !== 'object' || body === null || !('receipt' in body)) return undefined;
  const receipt = body.receipt;
  if (typeof receipt !== 'object' || receipt === null || !('leafIndex' in receipt)) return undefined;
  return typeof receipt.leafIndex === 'number' ? receipt.leafIndex : undefined;
}

async function fetchAnchors(url: string): Promise<AnchorPoint[]> {
  const response = await fetch(`${url}/v1/log/anchors?limit=1000`);
  if (!response.ok) throw new Error(`GET /v1/log/anchors: ${response.status}`);
  const rows = (await response.json()) as { size: number; anchoredAt: string }[];
  return rows.map((r) => ({ size: r.size, anchoredAt: Date.parse(r.anchoredAt) }));
}

/** Polls the anchors until one covers `leafIndex`, at most `timeoutMs`. */
async function anchorsCovering(url: string, leafIndex: number, timeoutMs: number): Promise<AnchorPoint[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const anchors = await fetchAnchors(url);
    if (anchors.some((a) => a.size > leafIndex) || Date.now() > until) return anchors;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function anchoringPhase(options: AnchoringOptions): Promise<{
  readonly records: MetricRecord[];
  readonly raw: Record<string, unknown>;
}> {
  const { systems, settings, network } = options;
  const { log } = settings;
  await systems.sandboxes.setLatency(FIXED);
  const dataDir = join(options.workDir, 'anchoring');
  mkdirSync(dataDir, { recursive: true });
  const origin = `bench-${randomBytes(6).toString('hex')}.egw.local/log`;
  const { proc, url } = await startAnchoringGateway(options, dataDir, origin);
  const target = httpTarget(url);
  const db = new Database(join(dataDir, 'gateway.sqlite'), { readonly: true, fileMustExist: true });
  try {
    log(`  anchoring gateway ${url} (pid ${proc.pid}), origin ${origin}, ledger ${network.profileFile}`);
    const token = await issueDevToken({
      dataDir,
      scopes: 'verifications:write',
      clientId: 'bench-m6',
      ttlSeconds: 3600,
    });
    const authorization = `Bearer ${token}`;
    const closedLoop = (connections: number, seconds: number) => {
      const serial = nextSerial();
      return runClosedLoop({
        url,
        path: '/v1/verifications',
        method: 'POST',
        connections,
        durationSeconds: seconds,
        headers: { authorization, 'content-type': 'application/json' },
        next: (i) => ({
          body: options.bodies[i % options.bodies.length] ?? '',
          headers: { 'idempotency-key': `m6-cap-${serial}-${i}` },
        }),
      });
    };
    // Warm-up (discarded), then capacity the way the cap phase measures F's, unless it ran.
    await closedLoop(32, 2);
    let capacity = options.capacity;
    let capacitySource = 'F, cap phase of this run';
    if (capacity === undefined) {
      await settle(proc.pid);
      capacity = (await closedLoop(128, options.capSeconds)).goodPerSecond;
      capacitySource = `this gateway, ${options.capSeconds} s closed loop`;
    }
    const rate = capacity * 0.5;
    log(`  capacity ${capacity.toFixed(0)}/s (${capacitySource}); load ${rate.toFixed(0)}/s`);

    // Decisions by request number; a repetition repeated by measureRep gets a new block of numbers.
    const committed = new Map<number, CommittedDecision>();
    const send = async (i: number): Promise<boolean> => {
      try {
        const response = await target.pool.request({
          path: '/v1/verifications',
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/json',
            'idempotency-key': `m6-${i}`,
          },
          body: options.bodies[i % options.bodies.length],
        });
        const committedAt = Date.now();
        const leafIndex = leafIndexOf(await response.body.json());
        if (response.statusCode !== 201 || leafIndex === undefined) return false;
        committed.set(i, { committedAt, leafIndex });
        return true;
      } catch {
        return false;
      }
    };
    const warmupCount = Math.floor((rate * settings.warmupMs) / 1000);
    const outcomes: RepOutcome[] = [];
    const loads = [loadavg()[0] ?? 0];
    for (let r = 0; r < options.reps; r++) {
      committed.clear();
      const rep = await measureRep({ name: 'F', send, pid: proc.pid }, rate, settings);
      // Only the kept repetition's block, without its warm-up.
      const block = [...committed.keys()].reduce((m, i) => Math.max(m, Math.floor(i / 1_000_000)), 0);
      const decisions = [...committed.entries()]
        .filter(([i]) => Math.floor(i / 1_000_000) === block && i % 1_000_000 >= warmupCount)
        .map(([, d]) => d);
      const last = decisions.reduce((m, d) => Math.max(m, d.leafIndex), -1);
      const anchors = last < 0 ? [] : await anchorsCovering(url, last, 30_000);
      const lag = anchorLag(decisions, anchors);
      const covered = db
        .prepare<[], { size: number; leaves: number; checkpoints: number }>(
          `SELECT size, leaves, checkpoints FROM ledger_anchors WHERE size IN (${lag.transactions.map(Number).join(',') || 'NULL'})`,
        )
        .all();
      loads.push(loadavg()[0] ?? 0);
      outcomes.push({
        rep,
        lag,
        leaves: covered.map((c) => c.leaves),
        checkpoints: covered.map((c) => c.checkpoints),
      });
      log(
        `  M6 rep ${r + 1}/${options.reps} @ ${rate.toFixed(0)}/s: ${lag.decisions} decisions, ${lag.transactions.length} anchor tx, lag p50 ${lag.p50Ms.toFixed(0)} / p95 ${lag.p95Ms.toFixed(0)} / max ${lag.maxMs.toFixed(0)} ms${lag.unanchored ? `, ${lag.unanchored} unanchored after 30 s` : ''}${rep.notes.length ? `  [${rep.notes.join('; ')}]` : ''}`,
      );
    }
    return anchoringReport(outcomes, {
      batchTimeoutMs: network.batchTimeoutMs,
      reps: options.reps,
      capacity,
      capacitySource,
      rate,
      origin,
      loads,
      alarms: proc.output().includes('ledger_alarm'),
    });
  } finally {
    db.close();
    await target.close();
    await proc.stop();
  }
}
