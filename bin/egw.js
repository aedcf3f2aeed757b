#!/usr/bin/env node
// The command runs the compiled build in dist/: no TypeScript loader, no esbuild process beside
// the gateway. In a source checkout, a build older than the sources is rebuilt first (a note on
// a terminal's stderr says so), so `egw` never runs stale code; when it cannot be rebuilt, one
// line says why and what to run.
import { existsSync } from 'node:fs';
import { BUNDLE, ensureBuild } from '../scripts/build.js';

try {
  ensureBuild(process.stderr.isTTY ? (line) => process.stderr.write(`egw: ${line}\n`) : undefined);
} catch (error) {
  process.stderr.write(`egw: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
// The bundled command loads in about half the time; the module tree when esbuild was missing.
await import(existsSync(BUNDLE) ? BUNDLE : '../dist/src/cli/main.js');
