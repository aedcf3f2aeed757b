/**
 * One gateway start-up on a data directory, in its own process: prints the time until it
 * listens, the time until the background full integrity check finished, the peak RSS and the
 * log size, as one JSON line. Run by bench/startup.ts.
 */
import { generatePopulation, startSandboxes } from '../../connectors/index.ts';
import { Fixtures } from '../../schemas/index.ts';
import { startGateway } from '../../src/runtime/node.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: measure-startup.ts DATA_DIR');
const sandboxes = await startSandboxes({
  fixtures: Fixtures.parse(generatePopulation({ seed: 'startup', size: 2 })),
});
const started = performance.now();
const gw = await startGateway({ dataDir, port: 0, registries: sandboxes.connectorConfig });
const listeningMs = performance.now() - started;
await gw.integrityCheck;
const fullCheckMs = performance.now() - started;
const size = gw.store.treeSize;
await gw.close();
await sandboxes.close();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ listeningMs, fullCheckMs, peakRssMb, size })}\n`);
