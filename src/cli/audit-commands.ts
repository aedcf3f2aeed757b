/**
 * `egw audit verify` and `egw audit monitor`: the auditor's commands. They need only
 * public material (the JWKS and the log key, from files or a URL), never the gateway's data.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { PeerTrustList } from '../../schemas/federation.ts';
import { ledgerAgreement, ledgerCoverage } from '../audit/ledger-check.ts';
import { createLogClient } from '../audit/log-client.ts';
import { monitorOnce } from '../audit/monitor.ts';
import { checkSupersession } from '../audit/supersession-check.ts';
import {
  type PeerEvidenceItem,
  peerEvidenceItem,
  peerReceiptChecks,
  verifyPeerReceipt,
} from '../audit/verify-peer-receipt.ts';
import { type VerdictReason, verifyReceipt } from '../audit/verify-receipt.ts';
import { CommandError, fetchOrExplain, UsageError } from './cli-errors.ts';
import { defineEgwCommand, defineEgwGroup } from './egw-command.ts';
import { fabricProfileOption, withLedger } from './ledger-options.ts';
import {
  fileOrUrl,
  flag,
  jsonFile,
  newFile,
  numberOption,
  parseJsonText,
  text,
  urlOption,
} from './options.ts';

async function load(source: string, what: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const response = await fetchOrExplain(source, { redirect: 'error' });
    if (!response.ok) throw new CommandError(`${what}: ${source} answered HTTP ${response.status}`);
    return response.text();
  }
  return readFile(source, 'utf8');
}

const SUMMARY: Readonly<Record<VerdictReason, string>> = {
  not_a_decision: 'is not a decision',
  no_matching_key:
    'No key matches: the decision’s key id is not in the JWKS given (another gateway’s keys, or a key removed). Nothing was found altered; check that --jwks / --gateway is the gateway that issued it.',
  altered: 'The receipt does NOT verify: the decision was altered after signing.',
  not_in_log: 'The receipt does NOT verify: the signed decision is not proven to be in the log given.',
};

/** The log key from `--log-key` (a file, a URL or the key itself) or the gateway's `/v1/log/key`. */
async function logKeyFrom(keySource: string): Promise<string> {
  // A verifier key is `name+hash+base64`: a word without "+" is a file name.
  const literalKey = !/^https?:\/\//.test(keySource) && !existsSync(keySource) && keySource.includes('+');
  if (!literalKey && !/^https?:\/\//.test(keySource) && !existsSync(keySource))
    throw new UsageError(`--log-key: ${keySource}: no such file (nor a verifier key)`);
  return literalKey ? keySource : load(keySource, '--log-key');
}

/** What a JSON file is, when it is not a decision: a saved problem document says so. */
function notADecision(file: string, value: unknown): CommandError {
  const problem = value as { status?: unknown; title?: unknown; type?: unknown };
  if (typeof value === 'object' && value !== null && typeof problem.status === 'number' && 'title' in value)
    return new CommandError(
      `${file} is not a decision but an error answer (HTTP ${problem.status}: ${String(problem.title)}): the request that saved it failed`,
    );
  return new CommandError(`${file} is not a decision (it has no "signature" and "receipt")`);
}

export const auditVerify = defineEgwCommand({
  name: 'verify',
  description:
    'Verify a decision and its receipt offline (JWS, leaf binding, checkpoint signature, inclusion proof)',
  options: {
    receipt: jsonFile({
      description: 'The decision JSON as returned by the gateway (with signature and receipt)',
      positional: true,
      required: true,
    }),
    jwks: fileOrUrl({ description: 'JWKS file or URL (e.g. https://gw/.well-known/jwks.json)' }),
    'log-key': text({ description: 'Log verifier key: a file, a URL (…/v1/log/key) or the key itself' }),
    gateway: urlOption({
      description: 'Take the JWKS and log key from this gateway URL (trust on first use)',
    }),
    json: flag({ description: 'Print the verdict as JSON' }),
    peers: jsonFile({
      description:
        'Trust list of peer gateways (as for egw start --peers): also prove each peer receipt in the decision’s evidence with that peer’s log key',
      schema: PeerTrustList,
    }),
    ledger: fabricProfileOption({
      description:
        'Also check on Fabric (connection profile JSON) that an anchor covers the receipt; with --gateway, a later anchor counts through a consistency proof',
    }),
  },
  async run(o) {
    const jwksSource = o.jwks ?? (o.gateway ? `${o.gateway}/.well-known/jwks.json` : undefined);
    const keySource = o['log-key'] ?? (o.gateway ? `${o.gateway}/v1/log/key` : undefined);
    if (!jwksSource || !keySource)
      throw new UsageError('give --jwks and --log-key (files or URLs), or --gateway URL');
    const decision = o.receipt.value;
    // Issue 16: a decision's evidence item from a peer gateway, checked against that peer's log.
    const peerItem = peerEvidenceItem(decision);
    if (peerItem) return verifyPeerItem(peerItem, keySource, o.json);
    // A file that is no decision is said before any key is fetched.
    const shaped = decision as { signature?: unknown; receipt?: unknown } | null;
    if (
      typeof decision !== 'object' ||
      shaped === null ||
      Array.isArray(decision) ||
      typeof shaped.signature !== 'string' ||
      typeof shaped.receipt !== 'object'
    )
      throw notADecision(o.receipt.path, decision);
    const jwks = parseJsonText(await load(jwksSource, '--jwks'), `--jwks ${jwksSource}`) as {
      keys?: Record<string, unknown>[];
    };
    if (!Array.isArray(jwks.keys)) throw new UsageError(`--jwks ${jwksSource}: not a JWKS (no "keys" list)`);
    const logKey = (await logKeyFrom(keySource)).trim();
    const verdict = await verifyReceipt({
      decision: decision as Record<string, unknown>,
      jwks: { keys: jwks.keys },
      logKey,
    });
    if (verdict.reason === 'not_a_decision') throw notADecision(o.receipt.path, decision);
    // The ledger is a second witness, asked only about a receipt that verified on its own.
    const profile = o.ledger;
    const cp = verdict.checkpoint;
    const anchored =
      profile && verdict.ok && cp
        ? await withLedger(profile, (ledger) =>
            ledgerCoverage({
              ledger,
              origin: cp.origin,
              size: cp.size,
              rootHash: cp.rootHash,
              ...(o.gateway ? { consistency: createLogClient(o.gateway).consistency } : {}),
            }),
          )
        : undefined;
    // A decision that replaces another: its supersession leaf, proven from the gateway's log.
    const successor = (decision as { supersedes?: unknown }).supersedes !== undefined;
    const bound =
      successor && o.gateway && verdict.ok && cp
        ? await checkSupersession({
            decision: decision as Record<string, unknown>,
            checkpoint: cp,
            gateway: o.gateway,
          })
        : undefined;
    // Issue 16: the accesses made in other regions, each proven from that region's own log.
    const peerChecks = o.peers
      ? peerReceiptChecks(decision as Record<string, unknown>, o.peers.value.peers)
      : [];
    const checks = [
      ...verdict.checks,
      ...(bound ? [bound] : []),
      ...peerChecks,
      ...(anchored ? [{ name: 'ledger', ok: anchored.ok, detail: anchored.detail }] : []),
    ];
    const peersOk = peerChecks.every((c) => c.ok);
    const ok = verdict.ok && (bound?.ok ?? true) && peersOk && (anchored?.ok ?? true);
    if (o.json) {
      process.stdout.write(
        `${JSON.stringify({ ok, reason: verdict.reason ?? (ok ? undefined : 'not_anchored'), checks }, null, 2)}\n`,
      );
    } else {
      for (const check of checks)
        process.stdout.write(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(10)} ${check.detail}\n`);
      process.stdout.write(
        ok
          ? `\nThe receipt verifies: this decision was signed by the gateway and is in its log${anchored ? ', which the ledger anchors' : ''}.\n`
          : verdict.ok && bound && !bound.ok
            ? `\nThe receipt verifies, but the log does not prove which decision it replaces: ${bound.detail}\n`
            : verdict.ok && !peersOk
              ? '\nThe receipt verifies, but a peer region’s receipt in its evidence does not.\n'
              : verdict.ok
                ? `\nThe receipt verifies against the log, but the ledger does not confirm it: ${anchored?.detail}\n`
                : `\n${SUMMARY[verdict.reason ?? 'altered']}\n`,
      );
    }
    return ok ? 0 : 1;
  },
});

/** `egw audit verify EVIDENCE.json --gateway PEER`: a peer's receipt, with its log key only. */
async function verifyPeerItem(item: PeerEvidenceItem, keySource: string, json: boolean): Promise<number> {
  const logKey = (await logKeyFrom(keySource)).trim();
  const { ok, checks } = verifyPeerReceipt(item, logKey);
  if (json) process.stdout.write(`${JSON.stringify({ ok, checks }, null, 2)}\n`);
  else {
    for (const check of checks)
      process.stdout.write(`${check.ok ? 'PASS' : 'FAIL'}  ${check.name.padEnd(10)} ${check.detail}\n`);
    process.stdout.write(
      ok
        ? `\nThe peer receipt verifies: the access is in the log of ${item.via}.\n`
        : `\nThe peer receipt does NOT verify against the log key given.\n`,
    );
  }
  return ok ? 0 : 1;
}

export const auditMonitor = defineEgwCommand({
  name: 'monitor',
  description:
    'Follow a gateway’s log; alarm (exit 1) when a checkpoint is not consistent with the last trusted one',
  options: {
    url: urlOption({ description: 'Gateway base URL', positional: true, required: true }),
    state: newFile({
      description: 'File keeping the last trusted checkpoint',
      default: './egw-monitor.json',
    }),
    'log-key': text({
      description: 'Pin the log verifier key (default: trust the published key on first contact)',
    }),
    interval: numberOption({
      description: 'Seconds between rounds',
      default: 10,
      min: 1,
      max: 86_400,
      unit: 's',
    }),
    once: flag({ description: 'Run one round and exit' }),
    ledger: fabricProfileOption({
      description: 'Also compare each checkpoint with the newest anchor on Fabric (connection profile JSON)',
    }),
  },
  async run(o) {
    for (;;) {
      const result = await monitorOnce({
        url: o.url,
        statePath: o.state,
        ...(o['log-key'] ? { logKey: o['log-key'] } : {}),
      });
      if (result.status === 'alarm') {
        process.stderr.write(`ALARM (${result.reason}): ${result.message}\n`);
        if (result.trusted) process.stderr.write(`--- last trusted checkpoint ---\n${result.trusted}\n`);
        if (result.received) process.stderr.write(`--- checkpoint received ---\n${result.received}\n`);
        if (result.proof) process.stderr.write(`--- consistency proof ---\n${result.proof.join('\n')}\n`);
        return 1;
      }
      process.stdout.write(`${new Date().toISOString()} ${result.status}: tree size ${result.size}\n`);
      const profile = o.ledger;
      if (profile) {
        const log = createLogClient(o.url);
        const logKey = o['log-key'] ?? (await log.verifierKey());
        const cp = await log.checkpoint(logKey);
        const agreement = await withLedger(profile, (ledger) =>
          ledgerAgreement({
            ledger,
            origin: cp.origin,
            logKey,
            size: cp.size,
            rootHash: cp.rootHash,
            consistency: log.consistency,
          }),
        );
        if (!agreement.ok) {
          process.stderr.write(`ALARM (ledger): ${agreement.detail}\n`);
          return 1;
        }
        process.stdout.write(`${new Date().toISOString()} ledger: ${agreement.detail}\n`);
      }
      if (o.once) return 0;
      await new Promise((resolve) => setTimeout(resolve, o.interval * 1000));
    }
  },
});

export const audit = defineEgwGroup('audit', 'Auditor commands', {
  verify: auditVerify,
  monitor: auditMonitor,
});
