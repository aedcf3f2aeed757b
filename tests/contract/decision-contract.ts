/**
 * Contract: `POST /v1/verifications` answers a signed decision of the contract's shape,
 * whose receipt verifies against the public log, and `GET /v1/verifications/{id}` serves
 * the same bytes.
 */
import type { JSONWebKeySet } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { SOURCES } from '../../schemas/common.ts';
import { type Decision, EVIDENCE_STATUSES, OUTCOMES, RULE_IDS } from '../../schemas/decision.ts';
import { fromBase64 } from '../../src/core/encoding.ts';
import { openCheckpoint } from '../../src/core/log/checkpoint.ts';
import { verifyConsistency } from '../../src/core/log/verify.ts';
import {
  type ContractClient,
  contractClient,
  expectDecision,
  hasChinese,
  type TextResponse,
} from './contract-client.ts';
import type { ContractTarget, TargetSource } from './contract-target.ts';
import { findPersonalData } from './personal-data.ts';
import { verifyDecision } from './verify-decision.ts';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const DIGEST = /^[A-Za-z0-9_-]{43}$/;

interface Answered {
  readonly response: TextResponse;
  readonly decision: Decision;
  readonly raw: Record<string, unknown>;
}

/** @example describeDecisionContract(() => target); */
export function describeDecisionContract(source: TargetSource): void {
  describe('contract: a signed decision with a verifiable receipt', () => {
    let target: ContractTarget;
    let client: ContractClient;
    let reader: string;
    let en: Answered;
    let zh: Answered;
    let jwks: JSONWebKeySet;
    let logKey: string;

    const answered = (response: TextResponse): Answered => ({
      response,
      decision: expectDecision(response, 201),
      raw: JSON.parse(response.text) as Record<string, unknown>,
    });

    beforeAll(async () => {
      target = source();
      client = contractClient(target);
      const clientId = `contract-decision-${crypto.randomUUID()}`;
      const writer = await target.mintToken(['verifications:write'], clientId);
      reader = await target.mintToken(['verifications:read'], clientId);
      const request = target.requests[0];
      en = answered(await client.post(request, { token: writer, language: 'en' }));
      zh = answered(await client.post(request, { token: writer, language: 'zh-CN' }));
      const fetchFn = target.fetch ?? fetch;
      const keys = await fetchFn(`${target.baseUrl}/.well-known/jwks.json`);
      expect(keys.status).toBe(200);
      jwks = (await keys.json()) as JSONWebKeySet;
      const key = await fetchFn(`${target.baseUrl}/v1/log/key`);
      expect(key.status).toBe(200);
      logKey = (await key.text()).trim();
    });

    it('answers 201 application/json with every field of the contract', () => {
      const request = target.requests[0];
      const { decision } = en;
      expect(OUTCOMES).toContain(decision.outcome);
      expect(typeof decision.provisional).toBe('boolean');
      expect(typeof decision.greenChannel).toBe('boolean');
      expect(decision.decidedAt).toMatch(RFC3339);
      expect(decision.decisionDate).toBe(request?.decisionDate);
      expect(decision.region).toBe(request?.region);
      expect(decision.basis.length).toBeGreaterThan(0);
      for (const b of decision.basis) {
        expect(RULE_IDS).toContain(b.rule);
        expect(b.citation.length).toBeGreaterThan(5);
        expect(b.explanation.length).toBeGreaterThan(10);
      }
      expect(decision.policy.id).toMatch(/\S/);
      expect(decision.policy.version).toMatch(/\S/);
      expect(decision.policy.digest).toMatch(DIGEST);
      // Each built-in registry exactly once; anything else is a partner registry's kind.
      const builtIn = decision.evidence.filter((e) => (SOURCES as readonly string[]).includes(e.source));
      expect(builtIn.map((e) => e.source).sort()).toEqual([...SOURCES].sort());
      for (const e of decision.evidence) expect(e.source).toMatch(/^[a-z][a-z0-9_]{2,39}$/);
      for (const e of decision.evidence) {
        expect(EVIDENCE_STATUSES).toContain(e.status);
        if (e.status === 'found' || e.status === 'not_found') expect(e.digest).toMatch(DIGEST);
        if (e.status === 'not_queried' || e.status === 'out_of_scope') expect(e.digest).toBe('');
      }
      expect(decision.signature.split('.')).toHaveLength(3);
      expect(decision.receipt.leafIndex).toBeGreaterThanOrEqual(0);
    });

    it('explains in the language asked for, deciding the same way', () => {
      const shape = (d: Decision) => ({
        outcome: d.outcome,
        provisional: d.provisional,
        greenChannel: d.greenChannel,
        rules: d.basis.map((b) => b.rule),
        evidence: d.evidence.map((e) => [e.source, e.status]),
      });
      expect(zh.decision.id).not.toBe(en.decision.id);
      expect(shape(zh.decision)).toEqual(shape(en.decision));
      for (const b of zh.decision.basis) expect(hasChinese(b.explanation), b.explanation).toBe(true);
      for (const b of en.decision.basis) expect(hasChinese(b.explanation), b.explanation).toBe(false);
    });

    it('publishes only public keys, and the signature covers exactly the canonical decision', async () => {
      expect(jwks.keys.length).toBeGreaterThan(0);
      for (const k of jwks.keys)
        for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(k).not.toHaveProperty(member);
      for (const { raw, decision } of [en, zh]) await verifyDecision(raw, decision, jwks, logKey);
    });

    it('a receipt leaf binds the decision without personal data, and the log serves the same leaf and proof', async () => {
      const fetchFn = target.fetch ?? fetch;
      const { decision, raw } = en;
      const verified = await verifyDecision(raw, decision, jwks, logKey);
      expect(findPersonalData(verified.leafText, target.people)).toEqual([]);
      const index = decision.receipt.leafIndex;

      const entries = await fetchFn(`${target.baseUrl}/v1/log/entries?start=${index}&end=${index + 1}`);
      expect(entries.status).toBe(200);
      expect(await entries.json()).toEqual({ entries: [{ index, leaf: decision.receipt.leaf }] });

      const proof = await fetchFn(
        `${target.baseUrl}/v1/log/proof/inclusion?index=${index}&size=${verified.treeSize}`,
      );
      expect(proof.status).toBe(200);
      expect(await proof.json()).toEqual({
        leafIndex: index,
        treeSize: verified.treeSize,
        hashes: decision.receipt.inclusionProof,
      });

      // The latest checkpoint extends the receipt's: the log only grew.
      const latest = await fetchFn(`${target.baseUrl}/v1/log/checkpoint`);
      expect(latest.status).toBe(200);
      expect(latest.headers.get('content-type')).toMatch(/^text\/plain\b/);
      const now = openCheckpoint(await latest.text(), logKey, { origin: decision.receipt.logOrigin });
      const then = openCheckpoint(decision.receipt.checkpoint, logKey, {
        origin: decision.receipt.logOrigin,
      });
      expect(now.size).toBeGreaterThanOrEqual(then.size);
      const consistency = await fetchFn(
        `${target.baseUrl}/v1/log/proof/consistency?from=${then.size}&to=${now.size}`,
      );
      expect(consistency.status).toBe(200);
      const body = (await consistency.json()) as { from: number; to: number; hashes: string[] };
      expect(body).toMatchObject({ from: then.size, to: now.size });
      verifyConsistency(then.size, now.size, body.hashes.map(fromBase64), then.rootHash, now.rootHash);
    });

    it('GET /v1/verifications/{id} serves the very bytes POST answered', async () => {
      for (const { decision, response } of [en, zh]) {
        const read = await client.get(`/v1/verifications/${decision.id}`, { token: reader });
        expect(read.status).toBe(200);
        expect(read.headers.get('content-type')).toMatch(/^application\/json\b/);
        expect(read.text).toBe(response.text);
      }
    });
  });
}
