/**
 * The `egw` command tree. Every command is made with `defineEgwCommand` (src/cli/egw-command.ts),
 * so unknown flags, bad values and failures behave the same everywhere. Commands that work on
 * the gateway's files take `--data DIR` (default ./data).
 */
import type { CommandDef } from 'citty';
import { anchorRelay } from './anchor-relay-command.ts';
import { audit } from './audit-commands.ts';
import { batch } from './batch-command.ts';
import { connectors } from './connectors-commands.ts';
import { backup, keys } from './operator-commands.ts';
import { reverify } from './reverify-commands.ts';
import { sandbox, start } from './start-commands.ts';
import { token } from './token-command.ts';

export const egw: CommandDef = {
  meta: {
    name: 'egw',
    version: '0.1.0',
    description: 'Eligibility Gateway: signed, explained legal-aid eligibility decisions',
  },
  subCommands: {
    start,
    sandbox,
    token,
    audit,
    batch,
    connectors,
    keys,
    backup,
    reverify,
    'anchor-relay': anchorRelay,
  },
};
