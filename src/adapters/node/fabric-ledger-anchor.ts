/**
 * `LedgerAnchor` on Hyperledger Fabric, through @hyperledger/fabric-gateway: the identity and
 * signer come from the organisation's MSP files (the profile), every gRPC call has a deadline,
 * and Fabric's errors are converted once, here, into `LedgerRefusal` (the chaincode or the
 * endorsement policy said no) or `LedgerUnavailable` (not reached, or the outcome unknown).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as Grpc from '@grpc/grpc-js';
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type { Contract, Gateway, Network } from '@hyperledger/fabric-gateway';
import {
  type AnchorReceipt,
  LEDGER_REFUSAL_CODES,
  type LedgerAnchor,
  type LedgerAnchorRecord,
  LedgerRefusal,
  type LedgerRefusalCode,
  LedgerUnavailable,
} from '../../core/anchoring/ledger-anchor.ts';
import { base64 } from '../../core/encoding.ts';
import type { FabricProfile } from './fabric-profile.ts';

export interface FabricLedgerAnchorOptions {
  readonly profile: FabricProfile;
  /**
   * Ask only these organisations to endorse (default: whatever the channel's policy needs,
   * as the gateway peer's discovery finds it). Tests use it to show one organisation alone
   * cannot anchor.
   */
  readonly endorsingOrganizations?: readonly string[];
}

// gRPC and the Fabric Gateway client take about 0.25 s to load, and every egw command loads this
// file; they are loaded on the first ledger made instead (both are CommonJS, so synchronously).
let modules: { readonly grpc: typeof Grpc; readonly fabric: typeof FabricGateway } | undefined;
function fabricModules(): { readonly grpc: typeof Grpc; readonly fabric: typeof FabricGateway } {
  const load = createRequire(import.meta.url);
  modules ??= {
    grpc: load('@grpc/grpc-js') as typeof Grpc,
    fabric: load('@hyperledger/fabric-gateway') as typeof FabricGateway,
  };
  return modules;
}

const DEFAULT_TIMEOUTS = { evaluate: 5_000, endorse: 15_000, submit: 5_000, commitStatus: 60_000 };

/**
 * @example
 * const ledger = createFabricLedgerAnchor({ profile: loadFabricProfile(file) });
 * const { txId, blockNumber } = await ledger.anchor(note, proof);
 */
export function createFabricLedgerAnchor(options: FabricLedgerAnchorOptions): LedgerAnchor {
  const { profile } = options;
  const { grpc, fabric } = fabricModules();
  const { connect, hash, signers, GatewayError } = fabric;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...profile.timeouts };
  const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
  const client = new grpc.Client(
    profile.peer.endpoint,
    grpc.credentials.createSsl(readFileSync(profile.peer.tlsRootCert)),
    {
      ...(profile.peer.hostAlias ? { 'grpc.ssl_target_name_override': profile.peer.hostAlias } : {}),
      // Fabric peers drop clients that ping more often than once a minute.
      'grpc.keepalive_time_ms': 120_000,
    },
  );
  const gateway: Gateway = connect({
    client,
    identity: { mspId: profile.mspId, credentials: readFileSync(profile.identity.certificate) },
    signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(profile.identity.privateKey))),
    hash: hash.sha256,
    evaluateOptions: deadline(timeouts.evaluate),
    endorseOptions: deadline(timeouts.endorse),
    submitOptions: deadline(timeouts.submit),
    commitStatusOptions: deadline(timeouts.commitStatus),
  });
  const network: Network = gateway.getNetwork(profile.channel);
  const contract: Contract = network.getContract(profile.chaincode);
  const qscc: Contract = network.getContract('qscc');
  const decoder = new TextDecoder();

  async function evaluate(name: string, ...args: string[]): Promise<string | undefined> {
    try {
      return decoder.decode(await contract.evaluateTransaction(name, ...args));
    } catch (error) {
      const converted = convert(error, false);
      if (
        converted instanceof LedgerRefusal &&
        (converted.code === 'ERR_NOT_FOUND' || converted.code === 'ERR_UNKNOWN_ORIGIN')
      )
        return undefined;
      throw converted;
    }
  }

  async function submit(name: string, ...args: string[]): Promise<AnchorReceipt> {
    let stage: 'endorse' | 'submit' | 'status' = 'endorse';
    try {
      const proposal = contract.newProposal(name, {
        arguments: args,
        ...(options.endorsingOrganizations
          ? { endorsingOrganizations: [...options.endorsingOrganizations] }
          : {}),
      });
      const transaction = await proposal.endorse();
      stage = 'submit';
      const submitted = await transaction.submit();
      stage = 'status';
      const status = await submitted.getStatus();
      if (!status.successful) throw invalid(status.code, status.transactionId);
      return { txId: status.transactionId, blockNumber: Number(status.blockNumber) };
    } catch (error) {
      // After endorsement the transaction may reach the ledger: its outcome is unknown.
      throw convert(error, stage !== 'endorse');
    }
  }

  return {
    network: profile.network,
    channel: profile.channel,
    chaincode: profile.chaincode,
    async logKey(origin) {
      const text = await evaluate('GetLogKeyHistory', origin);
      if (text === undefined) return undefined;
      const history = JSON.parse(text) as { verifierKey: string }[];
      return history.at(-1)?.verifierKey;
    },
    registerLogKey: (origin, verifierKey) => submit('RegisterLogKey', origin, verifierKey),
    anchor: (note, proof) => submit('AnchorCheckpoint', note, JSON.stringify(proof.map((h) => base64(h)))),
    async latest(origin) {
      const text = await evaluate('GetLatestAnchor', origin);
      return text === undefined ? undefined : record(text);
    },
    async get(origin, size) {
      const text = await evaluate('GetAnchor', origin, String(size));
      return text === undefined ? undefined : record(text);
    },
    async list(origin, atMost, limit) {
      const text = await evaluate(
        'ListAnchors',
        origin,
        atMost === undefined ? '' : String(atMost),
        limit === undefined ? '' : String(limit),
      );
      if (text === undefined) return [];
      return (JSON.parse(text) as { anchors: unknown[] }).anchors.map((a) => record(JSON.stringify(a)));
    },
    async blockOf(txId) {
      try {
        return blockNumberOf(await qscc.evaluateTransaction('GetBlockByTxID', profile.channel, txId));
      } catch (error) {
        // qscc answers "no such transaction ID" as a chaincode error: nothing there.
        if (error instanceof GatewayError && /chaincode response 500/.test(error.message)) return undefined;
        throw convert(error, false);
      }
    },
    close() {
      gateway.close();
      client.close();
    },
  };
}

function record(text: string): LedgerAnchorRecord {
  const r = JSON.parse(text) as LedgerAnchorRecord;
  return {
    origin: r.origin,
    size: r.size,
    rootHash: r.rootHash,
    note: r.note,
    previousSize: r.previousSize,
    txId: r.txId,
  };
}

const REFUSAL = new RegExp(`\\b(${LEDGER_REFUSAL_CODES.join('|')}):\\s*([^\\n]*)`);

/**
 * Fabric reports a chaincode's error only as text: after "chaincode response 500, " on
 * evaluate, inside `details[].message` on endorse. The chaincode's stable `ERR_` code is
 * matched there; structured facts do not survive the trip.
 */
export function refusalIn(texts: readonly string[]): LedgerRefusal | undefined {
  for (const text of texts) {
    const m = REFUSAL.exec(text);
    if (m?.[1]) return new LedgerRefusal(m[1] as LedgerRefusalCode, (m[2] ?? '').trim());
  }
  return undefined;
}

function convert(error: unknown, uncertain: boolean): LedgerRefusal | LedgerUnavailable {
  if (error instanceof LedgerRefusal || error instanceof LedgerUnavailable) return error;
  const { grpc, fabric } = fabricModules();
  const { CommitError, CommitStatusError, EndorseError, GatewayError } = fabric;
  if (error instanceof CommitError) return invalid(error.code, error.transactionId);
  if (error instanceof GatewayError) {
    const refusal = refusalIn([...error.details.map((d) => d.message), error.message]);
    // A refusal at endorsement never reached the orderer: certain, whatever the stage.
    if (refusal && (error instanceof EndorseError || !(error instanceof CommitStatusError))) return refusal;
    return new LedgerUnavailable(
      `ledger call failed (gRPC ${grpc.status[error.code] ?? error.code})`,
      uncertain,
      {
        cause: error,
      },
    );
  }
  return new LedgerUnavailable(
    `ledger call failed: ${error instanceof Error ? error.message : String(error)}`,
    uncertain,
    { cause: error },
  );
}

function invalid(code: number, txId: string): LedgerRefusal | LedgerUnavailable {
  const { StatusCode } = fabricModules().fabric;
  const name = Object.entries(StatusCode).find(([, v]) => v === code)?.[0] ?? String(code);
  if (code === StatusCode.MVCC_READ_CONFLICT || code === StatusCode.PHANTOM_READ_CONFLICT)
    return new LedgerUnavailable(`transaction ${txId} lost a read conflict (${name})`, false);
  if (code === StatusCode.ENDORSEMENT_POLICY_FAILURE)
    return new LedgerRefusal(
      'ERR_ENDORSEMENT_POLICY',
      `transaction ${txId} does not satisfy the endorsement policy`,
    );
  return new LedgerRefusal('ERR_TX_INVALID', `transaction ${txId} committed invalid (${name})`);
}

/**
 * The number of a serialized `common.Block`: field 1 (header) → field 1 (number, varint).
 * Read by hand so that one figure does not pull in the protobuf classes.
 */
export function blockNumberOf(block: Uint8Array): number {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = block[at++];
      if (byte === undefined) throw new LedgerUnavailable('truncated block from qscc', false);
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
  };
  if (block[at++] !== 0x0a) return 0; // no header: block 0 with nothing set
  const headerEnd = varint() + at;
  // proto3 omits a zero number; the header's first field is otherwise tag 0x08.
  if (at >= headerEnd || block[at] !== 0x08) return 0;
  at += 1;
  return varint();
}
