/**
 * Starts the sandboxes and the gateway on local workerd once for every Workers test file,
 * and stops them (by process group id) when the run ends.
 */
import type { TestProject } from 'vitest/node';
import { startWorkersStack, type WorkersStack } from './workers-stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    workersUrl: string;
    workersDataDir: string;
    workersPersistDir: string;
  }
}

let stack: WorkersStack | undefined;

export async function setup(project: TestProject): Promise<void> {
  stack = await startWorkersStack();
  project.provide('workersUrl', stack.url);
  project.provide('workersDataDir', stack.dataDir);
  project.provide('workersPersistDir', stack.persistDir);
}

export async function teardown(): Promise<void> {
  if (process.env.EGW_WORKERS_DEBUG) console.log(stack?.output());
  await stack?.close();
}
