/**
 * One gateway start-up on a data directory, in its own process: prints the time until it
 * listens, with `--full-check` the time until the background full integrity check finished, the peak RSS and the
 * log size, as one JSON line. Run by bench/startup.ts.
 */
import { generatePopulation, startSandboxes } from '../../connectors/index.ts';
import { Fixtures } from '../../schemas/index.ts';
import { startGateway } from '../../src/runtime/node.ts';

const dataDir = process.argv[2];
const waitForFullCheck = process.argv[3] === '--full-check';
if (!dataDir) throw new Error('usage: measure-startup.ts DATA_DIR [--full-check]');
const sandboxes = await startSandboxes({
  fixtures: Fixtures.parse(generatePopulation({ seed: 'startup', size: 2 })),
});
const started = performance.now();
const gw = await startGateway({ dataDir, port: 0, registries: sandboxes.connectorConfig });
const listeningMs = performance.now() - started;
if (waitForFullCheck) await gw.integrityCheck;
const fullCheckMs = waitForFullCheck ? performance.now() - started : Number.NaN;
const size = gw.store.treeSize;
await gw.close();
await sandboxes.close();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(`${JSON.stringify({ listeningMs, fullCheckMs, peakRssMb, size })}\n`);
