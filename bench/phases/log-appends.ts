/** M4: log appends/s with group commit ÷ one transaction (one fsync) per leaf, interleaved. */
import { spawnPinned } from '../lib/processes.ts';
import { atLeast, type MetricRecord, metric } from '../lib/report.ts';
import { pairedRatio } from '../lib/stats.ts';
import { GATEWAY_CORE } from '../lib/systems.ts';

interface AppendResult {
  readonly perSecond: number;
  readonly batches: number;
  readonly appends: number;
}

async function once(dir: string, mode: 'single' | 'group', count: number): Promise<AppendResult> {
  const proc = spawnPinned(GATEWAY_CORE, 'bench/servers/log-appends.ts', [
    '--dir',
    dir,
    '--mode',
    mode,
    '--count',
    String(count),
  ]);
  const result = (await proc.ready) as unknown as AppendResult;
  await proc.stop();
  return result;
}

export async function logAppendsPhase(options: {
  readonly workDir: string;
  readonly reps: number;
  readonly singleCount: number;
  readonly groupCount: number;
  readonly log: (line: string) => void;
}): Promise<MetricRecord> {
  const single: number[] = [];
  const group: number[] = [];
  const batchSizes: number[] = [];
  for (let r = 0; r < options.reps; r++) {
    const s = await once(options.workDir, 'single', options.singleCount);
    const g = await once(options.workDir, 'group', options.groupCount);
    single.push(s.perSecond);
    group.push(g.perSecond);
    batchSizes.push(g.appends / Math.max(1, g.batches));
    options.log(
      `  M4 rep ${r + 1}/${options.reps}: one fsync per leaf ${s.perSecond.toFixed(0)}/s, group commit ${g.perSecond.toFixed(0)}/s (${(g.appends / Math.max(1, g.batches)).toFixed(1)} leaves per transaction)`,
    );
  }
  return metric({
    id: 'M4',
    name: 'log appends/s, group commit ÷ one fsync per leaf (synchronous=FULL)',
    unit: 'appends/s',
    ...pairedRatio(single, group),
    target: atLeast(20),
    validity: {
      ok: true,
      notes: [
        `64 concurrent appenders; mean ${(batchSizes.reduce((a, b) => a + b, 0) / Math.max(1, batchSizes.length)).toFixed(1)} leaves per transaction`,
        'each transaction also signs a checkpoint (Ed25519), as in the gateway',
      ],
    },
  });
}
