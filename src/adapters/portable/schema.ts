/**
 * The storage schema, in drizzle's sqlite-core: the same tables serve better-sqlite3 (Node)
 * and D1 (Workers). Personal data lives only in `*_sealed` columns (AES-256-GCM under a key
 * id); lookups go through `subject_hash`, a keyed hash, never plaintext.
 */
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const decisions = sqliteTable(
  'decisions',
  {
    id: text('id').primaryKey(),
    clientId: text('client_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    requestDigest: text('request_digest').notNull(),
    subjectHash: text('subject_hash').notNull(),
    outcome: text('outcome').notNull(),
    decidedAt: text('decided_at').notNull(),
    leafIndex: integer('leaf_index').notNull(),
    /** The receipt (leaf, index, checkpoint, proof): no personal data, so not sealed. */
    receipt: text('receipt').notNull(),
    /** The decision as returned (signature and receipt included), sealed: its evidence facts are personal. */
    decisionSealed: text('decision_sealed').notNull(),
    /** The intake request, sealed, for replaying the policy on the stored evidence. */
    requestSealed: text('request_sealed').notNull(),
  },
  (t) => [
    uniqueIndex('decisions_client_key').on(t.clientId, t.idempotencyKey),
    index('decisions_subject').on(t.subjectHash),
    index('decisions_leaf').on(t.leafIndex),
    index('decisions_decided').on(t.decidedAt),
  ],
);

export const accessRecords = sqliteTable(
  'access_records',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    decisionId: text('decision_id').notNull(),
    subjectHash: text('subject_hash').notNull(),
    source: text('source').notNull(),
    purpose: text('purpose').notNull(),
    /** The consent reference, sealed (free text from the request; the tracker opens it). */
    consentReference: text('consent_reference').notNull(),
    status: text('status').notNull(),
    at: text('at').notNull(),
    leafIndex: integer('leaf_index').notNull(),
    recordsSealed: text('records_sealed').notNull(),
  },
  (t) => [
    index('access_subject').on(t.subjectHash),
    index('access_decision').on(t.decisionId),
    index('access_leaf').on(t.leafIndex),
  ],
);

/** One random key per subject: deleting it makes that subject's leaves unlinkable (crypto-shredding). */
export const subjectKeys = sqliteTable('subject_keys', {
  subjectHash: text('subject_hash').primaryKey(),
  key: blob('key', { mode: 'buffer' }).notNull(),
  createdAt: text('created_at').notNull(),
});

export const logLeaves = sqliteTable('log_leaves', {
  idx: integer('idx').primaryKey(),
  leaf: blob('leaf', { mode: 'buffer' }).notNull(),
});

/** Perfect subtree hashes only (level 0 = leaf hashes): enough to serve every proof without rehashing. */
export const logNodes = sqliteTable(
  'log_nodes',
  {
    level: integer('level').notNull(),
    idx: integer('idx').notNull(),
    hash: blob('hash', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

export const logCheckpoints = sqliteTable('log_checkpoints', {
  size: integer('size').primaryKey(),
  rootHash: blob('root_hash', { mode: 'buffer' }).notNull(),
  note: text('note').notNull(),
  createdAt: text('created_at').notNull(),
});

/** Partner connectors registered through /v1/connectors (issue 5). No personal data. */
export const partnerConnectors = sqliteTable(
  'partner_connectors',
  {
    id: text('id').primaryKey(),
    agencyId: text('agency_id').notNull(),
    kind: text('kind').notNull(),
    /** pending | active | inactive */
    status: text('status').notNull(),
    activeVersion: integer('active_version'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('partner_connectors_agency').on(t.agencyId)],
);

/** Every manifest version of a connector, with its lifecycle state and last conformance report. */
export const partnerConnectorVersions = sqliteTable(
  'partner_connector_versions',
  {
    connectorId: text('connector_id')
      .notNull()
      .references(() => partnerConnectors.id),
    version: integer('version').notNull(),
    label: text('label').notNull(),
    /** The manifest as validated (JSON). Test subjects in it are synthetic by contract. */
    manifest: text('manifest').notNull(),
    manifestDigest: text('manifest_digest').notNull(),
    state: text('state').notNull(),
    conformance: text('conformance'),
    registeredAt: text('registered_at').notNull(),
    registeredBy: text('registered_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.connectorId, t.version] })],
);

/** Certificates the gateway CA issued: endpoint certificates and the gateway's own client certificate. */
export const connectorCertificates = sqliteTable(
  'connector_certificates',
  {
    serial: text('serial').primaryKey(),
    connectorId: text('connector_id'),
    usage: text('usage').notNull(),
    subject: text('subject').notNull(),
    dnsNames: text('dns_names').notNull(),
    ipAddresses: text('ip_addresses').notNull(),
    notBefore: text('not_before').notNull(),
    notAfter: text('not_after').notNull(),
    fingerprint: text('fingerprint').notNull(),
    pem: text('pem').notNull(),
    issuedAt: text('issued_at').notNull(),
    revokedAt: text('revoked_at'),
    revocationReason: text('revocation_reason'),
  },
  (t) => [index('connector_certificates_connector').on(t.connectorId)],
);

/** HMAC app keys the gateway issued to agencies; the secret is sealed at rest. */
export const connectorAppKeys = sqliteTable(
  'connector_app_keys',
  {
    keyId: text('key_id').primaryKey(),
    connectorId: text('connector_id').notNull(),
    secretSealed: text('secret_sealed').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('connector_app_keys_connector').on(t.connectorId)],
);

/**
 * Checkpoints waiting to be anchored on the ledger (issue 10). A row is written in the same
 * transaction that signs its checkpoint; the anchor worker anchors the newest pending one
 * (which covers every older one by a consistency proof) and marks them all `anchored_size`.
 */
export const anchorOutbox = sqliteTable('anchor_outbox', {
  size: integer('size').primaryKey(),
  createdAt: text('created_at').notNull(),
  /** The size of the ledger anchor that covers this checkpoint; null while pending. */
  anchoredSize: integer('anchored_size'),
});

/** Anchors the ledger confirmed (committed transactions). No personal data: sizes, roots, ids. */
export const ledgerAnchors = sqliteTable('ledger_anchors', {
  size: integer('size').primaryKey(),
  rootHash: blob('root_hash', { mode: 'buffer' }).notNull(),
  network: text('network').notNull(),
  channel: text('channel').notNull(),
  chaincode: text('chaincode').notNull(),
  txId: text('tx_id').notNull(),
  blockNumber: integer('block_number').notNull(),
  anchoredAt: text('anchored_at').notNull(),
  /** Checkpoints (signed batches) this anchor covered that were not anchored before. */
  checkpoints: integer('checkpoints').notNull(),
  /** Leaves it added since the previous anchor. */
  leaves: integer('leaves').notNull(),
});

/**
 * A decision replaced by a newer one (issue 13). Written in the successor's write set; the
 * primary key allows one successor per decision. The reviewer's note is sealed.
 */
export const supersessions = sqliteTable(
  'supersessions',
  {
    supersededId: text('superseded_id').primaryKey(),
    decisionId: text('decision_id').notNull(),
    /** The supersession leaf's index. */
    leafIndex: integer('leaf_index').notNull(),
    /** review | reverification */
    cause: text('cause').notNull(),
    reviewerId: text('reviewer_id').notNull(),
    reasonCode: text('reason_code').notNull(),
    noteSealed: text('note_sealed').notNull(),
    createdAt: text('created_at').notNull(),
    /** The successor's `reviewRequired` (1/0): the change feed and webhooks say it without unsealing. */
    reviewRequired: integer('review_required').notNull().default(0),
  },
  (t) => [
    uniqueIndex('supersessions_decision').on(t.decisionId),
    // The change feed and the webhook outbox read supersessions in log order.
    index('supersessions_leaf').on(t.leafIndex),
  ],
);

/**
 * Decisions waiting to be re-verified (issue 13): a provisional decision, or a needs_review one
 * whose only cause is an unavailable registry. The row is written in the decision's own write set
 * and closed in its successor's, so a crash never loses a re-verification or runs one twice.
 * No personal data: ids, source names, times and error codes.
 */
export const reverifications = sqliteTable(
  'reverifications',
  {
    decisionId: text('decision_id').primaryKey(),
    clientId: text('client_id').notNull(),
    /** JSON array of the built-in sources that were unavailable: only these are asked again. */
    sources: text('sources').notNull(),
    enqueuedAt: text('enqueued_at').notNull(),
    /** When the policy's window closes (ISO instant): after it, a final needs_review says why. */
    notAfter: text('not_after').notNull(),
    /** pending | done (a successor exists) */
    state: text('state').notNull(),
    attempts: integer('attempts').notNull(),
    /** Epoch milliseconds: the worker takes rows whose time has come, oldest first. */
    nextAttemptAt: integer('next_attempt_at').notNull(),
    /** The error code of the last failed attempt (ERR_REGISTRY_TIMEOUT…), never a message. */
    lastError: text('last_error'),
    /** A worker holds the row until then (epoch ms): a Cron run never overlaps another's work. */
    leasedUntil: integer('leased_until'),
    /** The successor's id once done. */
    successorId: text('successor_id'),
    closedAt: text('closed_at'),
  },
  (t) => [index('reverifications_due').on(t.state, t.nextAttemptAt)],
);

/** One webhook per client (issue 13). The secret is sealed; the URL is not personal data. */
export const webhooks = sqliteTable('webhooks', {
  clientId: text('client_id').primaryKey(),
  url: text('url').notNull(),
  secretSealed: text('secret_sealed').notNull(),
  /**
   * The supersession leaf index up to which events were put in the outbox: events are taken
   * from the durable `supersessions` rows, so none is lost between a decision and its delivery.
   */
  cursor: integer('cursor').notNull(),
  createdAt: text('created_at').notNull(),
  updatedAt: text('updated_at').notNull(),
});

/** The webhook outbox: one row per event and client, retried with backoff for 24 h. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    eventId: text('event_id').primaryKey(),
    clientId: text('client_id').notNull(),
    /** decision.superseded | decision.reviewed */
    type: text('type').notNull(),
    /** The successor decision. */
    decisionId: text('decision_id').notNull(),
    supersededId: text('superseded_id').notNull(),
    createdAt: text('created_at').notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    /** pending | delivered | failed (24 h passed without a 2xx) */
    state: text('state').notNull(),
    lastStatus: integer('last_status'),
    deliveredAt: text('delivered_at'),
  },
  (t) => [index('webhook_deliveries_due').on(t.state, t.nextAttemptAt)],
);

/**
 * A decision's performance figures (issue 15), written in its own write set: flags and a
 * duration, never who. Older decisions have none; the indicators count them by outcome only.
 */
export const decisionFigures = sqliteTable(
  'decision_figures',
  {
    decisionId: text('decision_id').primaryKey(),
    decidedAt: text('decided_at').notNull(),
    provisional: integer('provisional').notNull(),
    greenChannel: integer('green_channel').notNull(),
    reviewRequired: integer('review_required').notNull(),
    /** 1 when every planned registry answered: decided online, with no paper proof. */
    evidenceComplete: integer('evidence_complete').notNull(),
    /** Request arrival to signed decision; null for a re-verification's successor. */
    durationMs: integer('duration_ms'),
  },
  (t) => [index('decision_figures_decided').on(t.decidedAt)],
);

/**
 * One registry call of a decision's fan-out (issue 15): source, result, code, latency and the
 * decision's time. Deliberately no decision id: a call cannot be traced to a person.
 */
export const registryCalls = sqliteTable(
  'registry_calls',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    at: text('at').notNull(),
    source: text('source').notNull(),
    /** answered | timeout | fault */
    result: text('result').notNull(),
    code: text('code'),
    latencyMs: integer('latency_ms').notNull(),
  },
  (t) => [index('registry_calls_at').on(t.at)],
);
