/**
 * `POST /v1/federation/facts` (issue 16): peer gateways only. The caller authenticates with a
 * JWT signed by its decision key (typ `egw-federation+jwt`), issued under its log origin, for
 * this gateway's log origin as audience, living at most five minutes, used once (`jti`), for
 * one question (`bdg`, the digest of the body); the key must be in the trust list's JWKS for
 * that peer. Client tokens of intake systems are
 * never accepted here.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import {
  FederationFactsRequest,
  FederationFactsResponse,
  type PeerGateway,
} from '../../../schemas/federation.ts';
import { Problem } from '../../../schemas/problem.ts';
import { GatewayError } from '../../core/errors.ts';
import { type FactsAnswerer, FEDERATION_TOKEN_TYPE } from '../../core/federation/facts-answer.ts';
import { questionDigest } from '../../core/federation/peer-fan-out.ts';
import type { AppEnv } from '../app-deps.ts';
import { problemResponse } from '../problems.ts';
import { requireJson } from './verifications.ts';

export interface FederationRouteDeps {
  /** This gateway's log origin: the audience peers' tokens must name. */
  readonly origin: string;
  readonly peers: readonly PeerGateway[];
  readonly answer: FactsAnswerer;
}

/** What the peer's authenticated token gives the handler: who asks, and which question it may ask. */
type PeerEnv = { Variables: { peer: PeerGateway; question: string } };

/** The longest token lifetime accepted (exp − iat), in seconds. */
const MAX_TOKEN_SECONDS = 300;

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

/**
 * Authenticates a peer gateway; sets `peer`.
 * @example app.use('/v1/federation/*', peerAuth(deps));
 */
export function peerAuth(deps: FederationRouteDeps): MiddlewareHandler<AppEnv & PeerEnv> {
  const keySets = new Map(
    deps.peers.map(
      (p) => [p.logOrigin, createLocalJWKSet({ keys: p.jwks.keys.map((k) => ({ ...k })) })] as const,
    ),
  );
  // Token ids seen, until their expiry: a token is good for one question only.
  const seen = new Map<string, number>();
  return async function peerAuthMiddleware(c, next) {
    const reject = (reason: string) =>
      problemResponse(
        c,
        new GatewayError('ERR_UNAUTHENTICATED', `peer token rejected: ${reason}`, { facts: { reason } }),
        { headers: { 'WWW-Authenticate': 'Bearer realm="egw-federation"' } },
      );
    const token = /^Bearer +(\S+)\s*$/i.exec(c.req.header('Authorization') ?? '')?.[1];
    if (!token) return reject('missing');
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return reject('malformed');
    }
    let question = '';
    const peer = deps.peers.find((p) => p.logOrigin === iss);
    const keys = typeof iss === 'string' ? keySets.get(iss) : undefined;
    if (!peer || !keys) return reject('untrusted');
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: peer.logOrigin,
        audience: deps.origin,
        typ: FEDERATION_TOKEN_TYPE,
        algorithms: ['ES256', 'EdDSA'],
        requiredClaims: ['exp', 'iat', 'iss', 'aud', 'jti', 'bdg'],
        clockTolerance: 5,
      });
      if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return reject('claims');
      if (payload.exp - payload.iat > MAX_TOKEN_SECONDS) return reject('lifetime');
      if (typeof payload.jti !== 'string' || typeof payload.bdg !== 'string') return reject('claims');
      question = payload.bdg;
      const now = Date.now() / 1000;
      for (const [id, exp] of seen) if (exp < now) seen.delete(id);
      const key = `${peer.logOrigin}\n${payload.jti}`;
      if (seen.has(key)) return reject('replayed');
      seen.set(key, payload.exp);
    } catch {
      return reject('signature');
    }
    c.set('peer', peer);
    c.set('question', question);
    await next();
  };
}

const facts = createRoute({
  method: 'post',
  path: '/v1/federation/facts',
  summary:
    'Peer gateways only: this region’s registries asked about the people named, for the sources named; signed facts and the receipt of the access leaf',
  security: [{ bearer: [] }],
  middleware: [requireJson] as const,
  request: {
    body: { required: true, content: { 'application/json': { schema: FederationFactsRequest } } },
  },
  responses: {
    200: {
      description: 'The signed facts and the receipt of their access leaf in this gateway’s log',
      content: { 'application/json': { schema: FederationFactsResponse } },
    },
    400: problem('Invalid question'),
    401: problem('Not a trusted peer gateway’s token'),
    415: problem('Body is not application/json'),
  },
});

/** @example if (deps.federation) federationRoutes(app, deps.federation); */
export function federationRoutes(app: OpenAPIHono<AppEnv>, deps: FederationRouteDeps): void {
  const peers = app as unknown as OpenAPIHono<AppEnv & PeerEnv>;
  peers.use('/v1/federation/*', peerAuth(deps));
  peers.openapi(facts, async (c) => {
    const body = c.req.valid('json');
    // The token names the one question it was signed for: another body is refused unasked.
    if (questionDigest(body) !== c.get('question'))
      throw new GatewayError('ERR_UNAUTHENTICATED', 'peer token rejected: question', {
        facts: { reason: 'question' },
      });
    const answer = await deps.answer(c.get('peer'), body);
    c.header('Cache-Control', 'no-store');
    return c.json(answer, 200);
  });
}
