/**
 * `egw batch verify FILE`: bulk re-verification within each registry's quota. The gateway
 * enforces the quotas (`registryQuotas`) and serves online requests first; this command
 * marks its requests as batch, keeps a bounded number in flight, and can be stopped and
 * resumed at any point without duplicating a decision. It exits 1 when any line failed.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeJwt } from 'jose';
import { issueDevToken } from '../adapters/node/key-files.ts';
import { formatSummary, runBatch } from '../batch/batch-runner.ts';
import { fetchOrExplain, UsageError } from './cli-errors.ts';
import { defineEgwCommand, defineEgwGroup } from './egw-command.ts';
import { existingFile, flag, newFile, numberOption, text, urlOption } from './options.ts';

/** The client a token acts for: decisions are that client's own. */
function clientOf(token: string): string {
  try {
    const claims = decodeJwt(token);
    return String(claims.client_id ?? claims.sub ?? 'unknown');
  } catch {
    throw new UsageError('--token: not a JWT');
  }
}

export const batchVerify = defineEgwCommand({
  name: 'verify',
  description:
    'Send every intake request of a JSONL file to the gateway as batch traffic, resumably, with progress',
  options: {
    file: existingFile({
      description:
        'JSONL: one request body per line, or {"idempotencyKey": …, "request": {…}} to choose the key',
      positional: true,
      required: true,
    }),
    gateway: urlOption({ description: 'Gateway URL', default: 'http://127.0.0.1:8080' }),
    token: text({
      description:
        'Bearer token with verifications:write (default: one from the development issuer under --data); use it with a gateway started --no-dev-issuer',
    }),
    client: text({
      description: 'Client id of the development token (idempotency keys are per client)',
      default: 'egw-batch',
    }),
    concurrency: numberOption({ description: 'Requests in flight at most', default: 32, min: 1, max: 1024 }),
    progress: newFile({ description: 'Progress file (default: FILE.progress.json)' }),
    restart: flag({ description: 'Ignore stored progress and start from the first line' }),
    out: newFile({ description: 'Append one JSON line per answered case to this file (decision ids)' }),
    'key-prefix': text({
      description: 'Prefix of derived idempotency keys',
      default: 'egw-batch',
      pattern: /^[\x21-\x7e]{1,200}$/,
      hint: 'printable ASCII without spaces',
    }),
    'report-every': numberOption({
      description: 'Seconds between progress lines when stderr is not a terminal',
      default: 10,
      min: 1,
      max: 3600,
      unit: 's',
    }),
    json: flag({ description: 'Print the summary as JSON' }),
    // Checked in run: only needed without --token.
    data: text({
      description: 'Data directory of the gateway (development issuer), when no --token is given',
      default: './data',
    }),
  },
  async run(o) {
    const data = resolve(o.data);
    if (!o.token && !existsSync(join(data, 'keys')))
      throw new UsageError(
        `--data ${data} is not a gateway data folder (no keys/): give --token, or the --data the gateway was started with`,
      );
    const token =
      o.token ??
      (await issueDevToken({
        dataDir: data,
        scopes: 'verifications:write',
        clientId: o.client,
        ttlSeconds: 24 * 3600,
      }));
    const client = clientOf(token);
    // A dead --gateway is one line now, not eight retries later.
    await fetchOrExplain(`${o.gateway}/healthz`);
    const controller = new AbortController();
    const interrupt = () => {
      if (controller.signal.aborted) process.exit(130);
      process.stderr.write('\nstopping: waiting for requests in flight, then saving progress…\n');
      controller.abort();
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    const summary = await runBatch({
      file: o.file,
      gateway: o.gateway,
      token,
      concurrency: o.concurrency,
      keyPrefix: o['key-prefix'],
      ...(o.progress ? { progressPath: o.progress } : {}),
      ...(o.out ? { outPath: o.out } : {}),
      restart: o.restart,
      display: { stream: process.stderr, everyMs: o['report-every'] * 1000 },
      signal: controller.signal,
    });
    if (o.json) process.stdout.write(`${JSON.stringify({ ...summary, client })}\n`);
    else
      process.stdout.write(
        `${formatSummary(summary)}  the decisions belong to client "${client}": read one with a token for that client (${
          o.token ? 'from your issuer' : `egw token --client ${client} --scope verifications:read`
        }) at GET ${o.gateway}/v1/verifications/{id}${o.out ? `; ${o.out} lists each line's id` : '; --out FILE lists each line’s id'}\n`,
      );
    if (!summary.completed) return controller.signal.aborted ? 130 : 1;
    return summary.errors.total > 0 ? 1 : 0;
  },
});

export const batch = defineEgwGroup('batch', 'Bulk operations', { verify: batchVerify });
