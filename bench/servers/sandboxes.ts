/**
 * The three sandbox registries as their own process (pinned beside the load generator),
 * driven over the IPC channel: `{ type: 'latency', profiles }` and `{ type: 'faults', faults }`
 * are acknowledged with `{ type: 'ack', id }`. Announces `{ type: 'ready', config }`.
 */
import { generatePopulation, type LatencyProfiles, startSandboxes } from '../../connectors/index.ts';
import type { Fault } from '../../schemas/registry-records.ts';

export type SandboxCommand =
  | { readonly type: 'latency'; readonly id: number; readonly profiles: LatencyProfiles }
  | { readonly type: 'faults'; readonly id: number; readonly faults: readonly Fault[] }
  | { readonly type: 'stop'; readonly id: number };

const seed = process.env.EGW_BENCH_SEED ?? 'egw-bench';
const size = Number(process.env.EGW_BENCH_POPULATION ?? '5000');
const send = (message: unknown) => process.send?.(message);

const sandboxes = await startSandboxes({ fixtures: generatePopulation({ seed, size }) });
process.on('message', (raw) => {
  const command = raw as SandboxCommand;
  if (command.type === 'latency') sandboxes.setLatency(command.profiles);
  else if (command.type === 'faults') sandboxes.setFaults(command.faults);
  else if (command.type === 'stop') {
    sandboxes.close().then(() => {
      send({ type: 'ack', id: command.id });
      process.exit(0);
    });
    return;
  }
  send({ type: 'ack', id: command.id });
});
process.on('disconnect', () => {
  sandboxes.close().then(() => process.exit(0));
});
send({ type: 'ready', config: sandboxes.connectorConfig, pid: process.pid });
