/**
 * `egw anchor-relay --gateway URL --ledger PROFILE`: anchors the checkpoints of a gateway that
 * cannot reach Fabric itself (one on Workers) from its public log API, with the same worker
 * and rules as the Node gateway's own anchoring. Stops on SIGTERM/SIGINT; exits 1 on an alarm.
 */

import { createFabricLedgerAnchor } from '../adapters/node/fabric-ledger-anchor.ts';
import { createAnchorRelay } from '../audit/anchor-relay.ts';
import { createLogClient, LogUnreachable } from '../audit/log-client.ts';
import { CommandError } from './cli-errors.ts';
import { defineEgwCommand } from './egw-command.ts';
import { fabricProfileOption } from './ledger-options.ts';
import { flag, numberOption, urlOption } from './options.ts';

export const anchorRelay = defineEgwCommand({
  name: 'anchor-relay',
  description: 'Anchor a gateway’s checkpoints (e.g. one on Workers) on Fabric, from its public log API',
  options: {
    gateway: urlOption({ description: 'The gateway’s base URL', required: true }),
    ledger: fabricProfileOption({
      description: 'Fabric connection profile JSON of the organisation that anchors',
      required: true,
    }),
    'poll-ms': numberOption({
      description: 'How often to look for a new checkpoint',
      default: 500,
      min: 50,
      max: 600_000,
      unit: 'ms',
    }),
    once: flag({ description: 'Anchor what is there now, then exit' }),
  },
  async run(o) {
    const profile = o.ledger;
    const ledger = createFabricLedgerAnchor({ profile });
    const log = createLogClient(o.gateway);
    let relay: Awaited<ReturnType<typeof createAnchorRelay>>;
    try {
      relay = await createAnchorRelay({
        log,
        ledger,
        pollMs: o['poll-ms'],
        onAnchored: (a) =>
          process.stdout.write(
            `${a.anchoredAt.toISOString()} anchored size ${a.size} in transaction ${a.txId} (block ${a.blockNumber})\n`,
          ),
        onAlarm: (a) => process.stderr.write(`ALARM (${a.code}): ${a.detail}\n`),
      });
    } catch (error) {
      ledger.close();
      if (error instanceof LogUnreachable) throw new CommandError(error.message);
      throw error;
    }
    process.stdout.write(
      `relaying ${o.gateway} to ${profile.network}/${profile.channel}/${profile.chaincode} as ${profile.mspId}\n`,
    );
    if (o.once) {
      await relay.drain();
      ledger.close();
      return relay.alarm ? 1 : 0;
    }
    relay.start();
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const check = setInterval(() => {
        if (relay.alarm) resolve();
      }, 200);
      check.unref();
    });
    await relay.stop();
    ledger.close();
    return relay.alarm ? 1 : 0;
  },
});
