/**
 * The local Fabric network's command line: `up`, `down`, `status`, `check` (is Fabric
 * installed?), and `stop|start <process>`. Exit codes: 0 done, 1 failed, 2 usage, 3 Fabric not installed (so CI can
 * tell "absent" from "broken").
 */
import { networkStatus, startProcess, stopProcess } from './control.ts';
import { downNetwork } from './down.ts';
import { EXIT_FABRIC_ABSENT, FabricAbsentError, locateFabric } from './fabric-install.ts';
import { readState } from './network-state.ts';
import { isProcessName, layout, PROCESS_NAMES } from './settings.ts';
import { createClock } from './tools.ts';
import { upNetwork } from './up.ts';

const USAGE = `usage: tsx scripts/fabric/network.ts up | down | status | check | stop <process> | start <process>
processes: ${PROCESS_NAMES.join(', ')}; data folder: EGW_FABRIC_DATA (default <repo>/.fabric-network)`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, target] = argv;
  const clock = createClock();
  switch (command) {
    case 'up':
      await upNetwork(clock);
      return 0;
    case 'down':
      await downNetwork(clock);
      return 0;
    case 'status':
      return printStatus();
    case 'check': {
      const install = locateFabric();
      process.stdout.write(
        `fabric: binaries in ${install.bin}, config in ${install.config}, ccaas builder in ${install.builders}/ccaas\n`,
      );
      return 0;
    }
    case 'stop':
    case 'start': {
      if (target === undefined || !isProcessName(target)) break;
      if (command === 'stop') {
        const stopped = await stopProcess(target);
        clock.step(stopped ? `stopped ${target}` : `${target} was not running`);
      } else {
        const pid = await startProcess(target);
        clock.step(`${target} ready (pid ${pid})`);
      }
      return 0;
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

function printStatus(): number {
  locateFabric();
  const paths = layout();
  const status = networkStatus(paths);
  if (!status.recorded) {
    process.stdout.write(`no network recorded in ${paths.data}\n`);
    return 1;
  }
  const state = readState(paths);
  process.stdout.write(`data ${paths.data}; started ${state?.startedAt} in ${state?.startSeconds.total} s\n`);
  for (const p of status.processes) {
    const memory = p.rssMb === undefined ? '' : ` rss ${p.rssMb} MB`;
    process.stdout.write(`${p.name.padEnd(13)} ${p.running ? `running pid ${p.pid}${memory}` : 'stopped'}\n`);
  }
  return status.running ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof FabricAbsentError) {
      process.stderr.write(`fabric: ${error.message}\n`);
      process.exitCode = EXIT_FABRIC_ABSENT;
      return;
    }
    process.stderr.write(`fabric: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
