/**
 * A simulated disability federation (残联) registry: REST/JSON behind an ES256 JWT bearer.
 * The federation issues the gateway a key pair; the sandbox keeps the public half and
 * hands out the private JWK, as an agency's onboarding would. Synthetic data only.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type CryptoKey, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import type { Fixtures } from '../../schemas/registry-records.ts';
import { Es256PrivateJwk } from '../built-in-config.ts';
import { indexBySubject, recordsFor } from '../sandbox/fixture-index.ts';
import {
  type SandboxHandle,
  type SandboxOutcome,
  type SandboxReply,
  type SandboxServerOptions,
  startSandboxServer,
} from '../sandbox/sandbox-server.ts';
import {
  DISABILITY_HEALTH_PATH,
  DISABILITY_LOOKUP_PATH,
  DISABILITY_MAX_TOKEN_SECONDS,
  DisabilityLookup,
  toCertificate,
} from './disability-dialect.ts';

/** Options of the disability sandbox. */
export interface DisabilitySandboxOptions extends SandboxServerOptions {
  readonly fixtures: Fixtures;
  /** The gateway's client id at the federation (the JWT `iss`). Default `egw-legal-aid`. */
  readonly issuer?: string;
  /** The federation's service id (the JWT `aud`). Default `cdpf-data-service`. */
  readonly audience?: string;
}

/** A running disability sandbox and the credentials it issued to the gateway. */
export interface DisabilitySandbox extends SandboxHandle {
  readonly issuer: string;
  readonly audience: string;
  readonly kid: string;
  /** The issued private key (ES256), as a JWK with `kid`. */
  readonly privateJwk: Es256PrivateJwk;
}

const json = (status: number, value: unknown, headers?: Record<string, string>): SandboxReply => ({
  status,
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify(value),
  ...(headers ? { headers } : {}),
});

/**
 * Starts the disability sandbox on loopback.
 * @example const disability = await startDisabilitySandbox({ fixtures }); // disability.privateJwk for the gateway
 */
export async function startDisabilitySandbox(options: DisabilitySandboxOptions): Promise<DisabilitySandbox> {
  const issuer = options.issuer ?? 'egw-legal-aid';
  const audience = options.audience ?? 'cdpf-data-service';
  const kid = `cdpf-${randomBytes(6).toString('hex')}`;
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const privateJwk = Es256PrivateJwk.parse({
    ...(await exportJWK(privateKey)),
    kid,
    alg: 'ES256',
    use: 'sig',
  });
  const index = indexBySubject(options.fixtures.disability);
  const seenTokenIds = new Map<string, number>();

  const refuse = (reason: string): SandboxOutcome => ({
    kind: 'refused',
    reason,
    reply: json(
      401,
      { result: 'UNAUTHORIZED', message: '令牌无效' },
      { 'www-authenticate': 'Bearer error="invalid_token"' },
    ),
  });

  const authenticate = async (req: IncomingMessage): Promise<SandboxOutcome | undefined> => {
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(
      req.headers.authorization ?? '',
    );
    if (!match?.[1]) return refuse('missing bearer token');
    let payload: { jti?: string; exp?: number; iat?: number };
    try {
      const verified = await jwtVerify(match[1], publicKey as CryptoKey, {
        algorithms: ['ES256'],
        issuer,
        audience,
        requiredClaims: ['iat', 'exp', 'jti'],
        maxTokenAge: `${DISABILITY_MAX_TOKEN_SECONDS}s`,
        clockTolerance: 5,
      });
      if (verified.protectedHeader.kid !== kid) return refuse('unknown key id');
      payload = verified.payload;
    } catch {
      return refuse('token does not verify');
    }
    const now = Math.floor(Date.now() / 1000);
    const { jti, exp = 0 } = payload;
    if (exp - now > DISABILITY_MAX_TOKEN_SECONDS + 5) return refuse('token lifetime too long');
    if (!jti) return refuse('token without jti');
    if ((seenTokenIds.get(jti) ?? 0) >= now) return refuse('replayed token');
    if (seenTokenIds.size > 10_000)
      for (const [id, until] of seenTokenIds) if (until < now) seenTokenIds.delete(id);
    seenTokenIds.set(jti, exp);
    return undefined;
  };

  const handle = await startSandboxServer(
    {
      source: 'disability',
      handle: async (req, raw) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        if (path === DISABILITY_HEALTH_PATH && req.method === 'GET') {
          return (await authenticate(req)) ?? { kind: 'reply', reply: json(200, { result: 'OK' }) };
        }
        if (path !== DISABILITY_LOOKUP_PATH)
          return { kind: 'reply', reply: json(404, { result: 'NOT_FOUND' }) };
        if (req.method !== 'POST')
          return { kind: 'reply', reply: json(405, { result: 'METHOD_NOT_ALLOWED' }) };
        const refused = await authenticate(req);
        if (refused) return refused;
        let lookup: DisabilityLookup;
        try {
          lookup = DisabilityLookup.parse(JSON.parse(raw.toString('utf8')));
        } catch {
          return {
            kind: 'rejected',
            reason: 'invalid lookup body',
            reply: json(400, { result: 'BAD_REQUEST' }),
          };
        }
        return {
          kind: 'lookup',
          subjects: lookup.id_card_nos,
          purpose: lookup.query_purpose,
          consentReference: lookup.consent_ref,
          requestId: lookup.trace_id,
          answer: () =>
            json(200, {
              result: 'OK',
              certificates: recordsFor(index, lookup.id_card_nos).map(toCertificate),
            }),
          error: () => json(500, { result: 'ERROR', message: '服务异常' }),
          // Valid JSON of the wrong shape: an object where a list belongs, text where numbers belong.
          malformed: () =>
            json(200, {
              result: 'OK',
              certificates: { id_card_no: 0, disability_level: '一级', valid_until: 20290228 },
            }),
        };
      },
    },
    options,
  );
  return { ...handle, issuer, audience, kid, privateJwk };
}
