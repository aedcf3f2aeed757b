/**
 * `egw`: the command line of Eligibility Gateway. Every command takes `--data DIR`
 * (default ./data: the SQLite file, keys, the development issuer).
 */
import { type ArgsDef, type CommandDef, defineCommand, runMain } from 'citty';
import { GatewayError } from '../core/errors.ts';
import { audit } from './audit-commands.ts';
import { batch } from './batch-command.ts';
import { connectors } from './connectors-commands.ts';
import { sandbox, start } from './start-commands.ts';
import { token } from './token-command.ts';

/**
 * Expected failures (a tampered log refusing to start, a bad key file) are GatewayErrors with a
 * stable code and non-personal facts: print them as one line and exit 1, not as a stack trace.
 */
function plainErrors<T extends ArgsDef>(command: CommandDef<T>): CommandDef<T> {
  const { run } = command;
  if (!run) return command;
  return {
    ...command,
    async run(context) {
      try {
        return await run(context);
      } catch (error) {
        if (!(error instanceof GatewayError)) throw error;
        const facts = Object.entries(error.facts)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(' ');
        const what =
          error.code === 'ERR_LOG_INTEGRITY'
            ? 'the transparency log failed its integrity check, refusing to start'
            : 'cannot continue';
        console.error(`egw: ${what}: ${error.message}${facts ? ` (${facts})` : ''} [${error.code}]`);
        process.exit(1);
      }
    },
  };
}

const main = defineCommand({
  meta: {
    name: 'egw',
    version: '0.1.0',
    description: 'Eligibility Gateway: signed, explained legal-aid eligibility decisions',
  },
  subCommands: {
    start: plainErrors(start),
    sandbox: plainErrors(sandbox),
    token: plainErrors(token),
    audit,
    batch,
    connectors,
  },
});

runMain(main);
