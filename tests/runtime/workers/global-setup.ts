/**
 * Starts the sandboxes and the gateway on local workerd once for every Workers test file,
 * and stops them (by process group id) when the run ends.
 */
import { createServer, type Server } from 'node:http';
import type { TestProject } from 'vitest/node';
import type { Fault } from '../../../schemas/index.ts';
import { startWorkersStack, type WorkersStack } from './workers-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    workersUrl: string;
    workersDataDir: string;
    workersPersistDir: string;
    /** POST a JSON list of faults here to set the sandboxes' faults (they run in this process). */
    workersFaultsUrl: string;
  }
}

let stack: WorkersStack | undefined;
let control: Server | undefined;

export async function setup(project: TestProject): Promise<void> {
  stack = await startWorkersStack();
  project.provide('workersUrl', stack.url);
  project.provide('workersDataDir', stack.dataDir);
  project.provide('workersPersistDir', stack.persistDir);
  // The test files run in other workers: they reach the sandboxes' faults through loopback.
  const running = stack;
  control = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      running.setFaults(JSON.parse(body || '[]') as Fault[]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => control?.listen(0, '127.0.0.1', r));
  const address = control.address();
  project.provide(
    'workersFaultsUrl',
    `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/faults`,
  );
}

export async function teardown(): Promise<void> {
  if (process.env.EGW_WORKERS_DEBUG) console.log(stack?.output());
  await new Promise((r) => (control ? control.close(r) : r(undefined)));
  await stack?.close();
}
