/**
 * `egw`: the command line of Eligibility Gateway. Every command takes `--data DIR`
 * (default ./data: the SQLite file, keys, the development issuer).
 */
import { defineCommand, runMain } from 'citty';
import { audit } from './audit-commands.ts';
import { sandbox, start } from './start-commands.ts';
import { token } from './token-command.ts';

const main = defineCommand({
  meta: {
    name: 'egw',
    version: '0.1.0',
    description: 'Eligibility Gateway: signed, explained legal-aid eligibility decisions',
  },
  subCommands: { start, sandbox, token, audit },
});

runMain(main);
