/**
 * Issue 16 test data: a household with the applicant registered in Nanjing and the spouse in
 * Suzhou (synthetic people), each region's sandbox fixtures, and the checks the tests share:
 * the data tracker and a leaf proven from a gateway's own log.
 */
import { expect } from 'vitest';
import type { PeerGateway } from '../../schemas/federation.ts';
import { type FixturesInput, makeIdNumber } from '../../schemas/index.ts';
import { fromBase64 } from '../../src/core/encoding.ts';
import { openCheckpoint } from '../../src/core/log/checkpoint.ts';
import { leafHash } from '../../src/core/log/rfc9162.ts';
import { verifyInclusion } from '../../src/core/log/verify.ts';
import type { RegionGateway } from './federation-harness.ts';
import { requestFor } from './requests.ts';

export const applicant = makeIdNumber('320102', '1980-05-17', 11);
export const member = makeIdNumber('320508', '1982-03-03', 22);
export const bystander = makeIdNumber('320505', '1975-09-09', 33);

export const NANJING: FixturesInput = {
  persons: [{ idNumber: applicant, name: '测试甲', district: '320102' }],
  hrss: [
    {
      idNumber: applicant,
      employment: 'employed',
      insuredCategory: 'urban_employee',
      monthlyContributionBase: 2000,
      asOf: '2025-05-01',
    },
  ],
};
export const SUZHOU: FixturesInput = {
  persons: [
    { idNumber: member, name: '测试乙', district: '320508' },
    { idNumber: bystander, name: '测试丙', district: '320505' },
  ],
  hrss: [
    {
      idNumber: member,
      employment: 'employed',
      insuredCategory: 'urban_employee',
      monthlyContributionBase: 3200,
      asOf: '2025-05-01',
    },
    {
      idNumber: bystander,
      employment: 'employed',
      insuredCategory: 'urban_employee',
      monthlyContributionBase: 9000,
      asOf: '2025-05-01',
    },
  ],
  disability: [
    {
      idNumber: member,
      certificateNo: 'SZ-0001',
      category: 'physical',
      grade: 3,
      issuedAt: '2020-01-01',
      validUntil: '2030-01-01',
    },
  ],
};

/** Applicant in Nanjing, spouse registered in Suzhou; no commitment, so missing facts go to review. */
export function household() {
  return requestFor({ persons: [{ idNumber: applicant, name: '测试甲', district: '320102' }] }, 0, {
    household: [{ idNumber: member, name: '测试乙', relation: 'spouse' }],
    declaration: { monthlyHouseholdIncome: 4000, integrityCommitment: false },
  });
}

export const subjectsAsked = (gw: RegionGateway) => gw.sandboxes.requestLog().flatMap((r) => r.subjects);

export async function tracker(gw: RegionGateway, idNumber: string) {
  const response = await fetch(`${gw.url}/v1/subjects/access`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await gw.token('subjects:read')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ idNumber }),
  });
  expect(response.status).toBe(200);
  return (
    (await response.json()) as {
      entries: { kind: string; source?: string; logIndex: number; decisionId: string }[];
    }
  ).entries;
}

/** A gateway's log as a prover needs it: where it is served, its origin and its verifier key. */
export interface ServedLog {
  readonly url: string;
  readonly origin: string;
  readonly logKey: string;
}

/** Proves leaf `index` from a gateway's own log: its checkpoint, an inclusion proof, the leaf. */
export async function provenLeaf(
  gw: RegionGateway | ServedLog,
  index: number,
): Promise<Record<string, unknown>> {
  const logKey = 'entry' in gw ? gw.entry.logKey : gw.logKey;
  const note = await (await fetch(`${gw.url}/v1/log/checkpoint`)).text();
  const checkpoint = openCheckpoint(note, logKey, { origin: gw.origin });
  const proof = (await (
    await fetch(`${gw.url}/v1/log/proof/inclusion?index=${index}&size=${checkpoint.size}`)
  ).json()) as { hashes: string[] };
  const entries = (await (
    await fetch(`${gw.url}/v1/log/entries?start=${index}&end=${index + 1}`)
  ).json()) as {
    entries: { leaf: string }[];
  };
  const leaf = fromBase64(entries.entries[0]?.leaf ?? '');
  verifyInclusion(leafHash(leaf), index, checkpoint.size, proof.hashes.map(fromBase64), checkpoint.rootHash);
  return JSON.parse(new TextDecoder().decode(leaf)) as Record<string, unknown>;
}

/**
 * A gateway as a peer's trust list names it, read from what it serves (JWKS, log key).
 * @example const entry = await servedPeerEntry('cn-320500', stack.url, 'cn-320500.workers.test/log');
 */
export async function servedPeerEntry(region: string, url: string, logOrigin: string): Promise<PeerGateway> {
  return {
    region,
    baseUrl: url,
    logOrigin,
    logKey: (await (await fetch(`${url}/v1/log/key`)).text()).trim(),
    jwks: (await (await fetch(`${url}/.well-known/jwks.json`)).json()) as PeerGateway['jwks'],
  };
}
