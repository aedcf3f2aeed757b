/**
 * `egw`: the command line of Eligibility Gateway (the tree is in src/cli/egw.ts).
 */
import { nodeHashes } from '../adapters/node/node-hashes.ts';
import { useHashes } from '../core/log/hashes.ts';
import { reportError } from './cli-errors.ts';
import { egw } from './egw.ts';
import { runEgw, runningCommand } from './egw-command.ts';

// SHA-256 through node:crypto for everything a command hashes (the log, commitments, audits).
useHashes(nodeHashes);

// Under `npm run egw`, npm runs scripts in the package folder: resolve the paths a user typed
// (decision.json, --data ./data) against the folder they typed them in.
// Only for this package's own scripts: a child of some other npm script keeps its own cwd.
const script = process.env.npm_lifecycle_event;
if ((script === 'egw' || script === 'start') && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);

// Whatever escapes a command (a server's 'error' event, such as a port already in use, is
// thrown with no listener) is still one line and a non-zero exit, never a stack trace.
process.on('uncaughtException', (error) => process.exit(reportError(runningCommand(), error)));
process.on('unhandledRejection', (error) => process.exit(reportError(runningCommand(), error)));

const code = await runEgw(egw, process.argv.slice(2));
// Failures exit now, closing anything a command had started (sandboxes before a gateway that
// could not listen); success leaves servers running.
if (code !== 0) process.exit(code);
