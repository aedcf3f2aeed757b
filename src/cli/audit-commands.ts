/**
 * `egw audit verify` and `egw audit monitor`: the auditor's commands. They need only
 * public material (the JWKS and the log key, from files or a URL), never the gateway's data.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { defineCommand } from 'citty';
import { monitorOnce } from '../audit/monitor.ts';
import { verifyReceipt } from '../audit/verify-receipt.ts';

async function load(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { redirect: 'error' });
    if (!response.ok) throw new Error(`${source} answered ${response.status}`);
    return response.text();
  }
  return readFile(source, 'utf8');
}

export const auditVerify = defineCommand({
  meta: {
    name: 'verify',
    description:
      'Verify a decision and its receipt offline (JWS, leaf binding, checkpoint signature, inclusion proof)',
  },
  args: {
    receipt: {
      type: 'positional',
      description: 'The decision JSON as returned by the gateway (with signature and receipt)',
      required: true,
    },
    jwks: { type: 'string', description: 'JWKS file or URL (e.g. https://gw/.well-known/jwks.json)' },
    'log-key': {
      type: 'string',
      description: 'Log verifier key: a file, a URL (…/v1/log/key) or the key itself',
    },
    gateway: {
      type: 'string',
      description: 'Take the JWKS and log key from this gateway URL (trust on first use)',
    },
    json: { type: 'boolean', description: 'Print the verdict as JSON' },
  },
  async run({ args }) {
    const gateway = args.gateway?.replace(/\/+$/, '');
    const jwksSource = args.jwks ?? (gateway ? `${gateway}/.well-known/jwks.json` : undefined);
    const keySource = args['log-key'] ?? (gateway ? `${gateway}/v1/log/key` : undefined);
    if (!jwksSource || !keySource) {
      console.error('Give --jwks and --log-key (files or URLs), or --gateway URL.');
      process.exitCode = 2;
      return;
    }
    const decision = JSON.parse(await readFile(args.receipt, 'utf8')) as Record<string, unknown>;
    const jwks = JSON.parse(await load(jwksSource)) as { keys: Record<string, unknown>[] };
    const literalKey = !/^https?:\/\//.test(keySource) && !existsSync(keySource);
    const logKey = literalKey ? keySource : (await load(keySource)).trim();
    const verdict = await verifyReceipt({ decision, jwks, logKey });
    if (args.json) {
      console.log(JSON.stringify({ ok: verdict.ok, checks: verdict.checks }, null, 2));
    } else {
      for (const check of verdict.checks)
        console.log(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(10)} ${check.detail}`);
      console.log(
        verdict.ok
          ? '\nThe receipt verifies: this decision was signed by the gateway and is in its log.'
          : '\nThe receipt does NOT verify.',
      );
    }
    process.exitCode = verdict.ok ? 0 : 1;
  },
});

export const auditMonitor = defineCommand({
  meta: {
    name: 'monitor',
    description:
      'Follow a gateway’s log; alarm (exit 1) when a checkpoint is not consistent with the last trusted one',
  },
  args: {
    url: { type: 'positional', description: 'Gateway base URL', required: true },
    state: {
      type: 'string',
      description: 'File keeping the last trusted checkpoint',
      default: './egw-monitor.json',
    },
    'log-key': {
      type: 'string',
      description: 'Pin the log verifier key (default: trust the published key on first contact)',
    },
    interval: { type: 'string', description: 'Seconds between rounds', default: '10' },
    once: { type: 'boolean', description: 'Run one round and exit' },
  },
  async run({ args }) {
    const interval = Math.max(1, Number(args.interval)) * 1000;
    for (;;) {
      const result = await monitorOnce({
        url: args.url,
        statePath: args.state,
        ...(args['log-key'] ? { logKey: args['log-key'] } : {}),
      });
      if (result.status === 'alarm') {
        console.error(`ALARM (${result.reason}): ${result.message}`);
        if (result.trusted) console.error(`--- last trusted checkpoint ---\n${result.trusted}`);
        if (result.received) console.error(`--- checkpoint received ---\n${result.received}`);
        if (result.proof) console.error(`--- consistency proof ---\n${result.proof.join('\n')}`);
        process.exitCode = 1;
        return;
      }
      console.log(`${new Date().toISOString()} ${result.status}: tree size ${result.size}`);
      if (args.once) return;
      await new Promise((resolve) => setTimeout(resolve, interval));
    }
  },
});

export const audit = defineCommand({
  meta: { name: 'audit', description: 'Auditor commands' },
  subCommands: { verify: auditVerify, monitor: auditMonitor },
});
