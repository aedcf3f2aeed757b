/**
 * `egw batch verify FILE`: bulk re-verification within each registry's quota. The gateway
 * enforces the quotas (`registryQuotas`) and serves online requests first; this command
 * marks its requests as batch, keeps a bounded number in flight, and can be stopped and
 * resumed at any point without duplicating a decision.
 */
import { defineCommand } from 'citty';
import { issueDevToken } from '../adapters/node/key-files.ts';
import { formatSummary, runBatch } from '../batch/batch-runner.ts';

export const batchVerify = defineCommand({
  meta: {
    name: 'verify',
    description:
      'Send every intake request of a JSONL file to the gateway as batch traffic, resumably, with progress',
  },
  args: {
    file: {
      type: 'positional',
      description:
        'JSONL: one request body per line, or {"idempotencyKey": …, "request": {…}} to choose the key',
      required: true,
    },
    gateway: { type: 'string', description: 'Gateway URL', default: 'http://127.0.0.1:8080' },
    token: {
      type: 'string',
      description: 'Bearer token with verifications:write (default: one from the development issuer)',
    },
    client: {
      type: 'string',
      description: 'Client id of the development token (idempotency keys are per client)',
      default: 'egw-batch',
    },
    concurrency: { type: 'string', description: 'Requests in flight at most', default: '32' },
    progress: { type: 'string', description: 'Progress file (default: FILE.progress.json)' },
    restart: { type: 'boolean', description: 'Ignore stored progress and start from the first line' },
    out: { type: 'string', description: 'Append one JSON line per answered case to this file' },
    'key-prefix': { type: 'string', description: 'Prefix of derived idempotency keys', default: 'egw-batch' },
    'report-every': {
      type: 'string',
      description: 'Seconds between progress lines when stderr is not a terminal',
      default: '10',
    },
    json: { type: 'boolean', description: 'Print the summary as JSON' },
    data: { type: 'string', description: 'Data directory (development issuer)', default: './data' },
  },
  async run({ args }) {
    const token =
      args.token ??
      (await issueDevToken({
        dataDir: args.data,
        scopes: 'verifications:write',
        clientId: args.client,
        ttlSeconds: 24 * 3600,
      }));
    const controller = new AbortController();
    const interrupt = () => {
      if (controller.signal.aborted) process.exit(130);
      process.stderr.write('\nstopping: waiting for requests in flight, then saving progress…\n');
      controller.abort();
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    const summary = await runBatch({
      file: args.file,
      gateway: args.gateway,
      token,
      concurrency: Number(args.concurrency),
      keyPrefix: args['key-prefix'],
      ...(args.progress ? { progressPath: args.progress } : {}),
      ...(args.out ? { outPath: args.out } : {}),
      restart: args.restart === true,
      display: { stream: process.stderr, everyMs: Number(args['report-every']) * 1000 },
      signal: controller.signal,
    });
    process.stdout.write(args.json ? `${JSON.stringify(summary)}\n` : formatSummary(summary));
    if (!summary.completed) process.exitCode = controller.signal.aborted ? 130 : 1;
  },
});

export const batch = defineCommand({
  meta: { name: 'batch', description: 'Bulk operations' },
  subCommands: { verify: batchVerify },
});
