/**
 * `egw reverify status|run-now`: the re-verification queue of a running gateway, over its API
 * (scope reverifications:admin), so it works the same for a gateway on Node or on Workers.
 */
import { defineEgwCommand, defineEgwGroup } from './egw-command.ts';
import { callGateway } from './gateway-call.ts';
import { flag, text, urlOption } from './options.ts';

const gatewayArgs = {
  gateway: urlOption({ description: 'Gateway base URL', default: 'http://127.0.0.1:8080' }),
  token: text({ description: 'Bearer token with reverifications:admin; default $EGW_TOKEN' }),
  json: flag({ description: 'Print the JSON answer' }),
} as const;

interface QueueStatus {
  pending: number;
  due: number;
  done: number;
  oldestPendingSince?: string;
  nextAttemptAt?: string;
  lastErrors: Record<string, number>;
}

const status = defineEgwCommand({
  name: 'status',
  description: 'How many decisions wait for a registry, since when, and why',
  options: gatewayArgs,
  async run(o) {
    const res = await callGateway(o, 'GET', '/v1/reverifications');
    const body = (await res?.json()) as QueueStatus;
    if (o.json) {
      process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      return 0;
    }
    const errors = Object.entries(body.lastErrors)
      .map(([code, n]) => `${code} ${n}`)
      .join(', ');
    process.stdout.write(
      [
        `pending   ${body.pending} (${body.due} due now)`,
        `done      ${body.done}`,
        `oldest    ${body.oldestPendingSince ?? '-'}`,
        `next try  ${body.nextAttemptAt ?? '-'}`,
        `last errors ${errors || '-'}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
});

const runNow = defineEgwCommand({
  name: 'run-now',
  description: 'Make every pending re-verification due and run one pass now',
  options: gatewayArgs,
  async run(o) {
    const res = await callGateway(o, 'POST', '/v1/reverifications/run');
    const body = (await res?.json()) as Record<string, number>;
    process.stdout.write(
      o.json
        ? `${JSON.stringify(body, null, 2)}\n`
        : `took ${body.taken} of ${body.pending} pending: ${body.superseded} superseded, ${body.deferred} still waiting, ${body.closed} closed, ${body.failed} failed\n`,
    );
    return 0;
  },
});

export const reverify = defineEgwGroup(
  'reverify',
  'The re-verification queue: decisions waiting for a registry that was unavailable',
  { status, 'run-now': runNow },
);
