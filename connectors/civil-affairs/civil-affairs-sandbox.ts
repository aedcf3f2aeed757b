/**
 * A simulated civil affairs (民政) registry speaking its own dialect
 * (see civil-affairs-dialect.ts): REST/JSON, app key + HMAC-SHA256 signatures, a
 * timestamp window and single-use nonces. Synthetic data from the fixtures only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Fixtures } from '../../schemas/registry-records.ts';
import { indexBySubject, recordsFor } from '../sandbox/fixture-index.ts';
import {
  type SandboxHandle,
  type SandboxOutcome,
  type SandboxReply,
  type SandboxServerOptions,
  startSandboxServer,
} from '../sandbox/sandbox-server.ts';
import {
  CIVIL_AFFAIRS_CLOCK_SKEW_MS,
  CIVIL_AFFAIRS_HEADERS,
  CIVIL_AFFAIRS_LOOKUP_PATH,
  CIVIL_AFFAIRS_OK,
  CIVIL_AFFAIRS_PING_PATH,
  CivilAffairsLookup,
  sign,
  toItem,
} from './civil-affairs-dialect.ts';

/** Options of the civil affairs sandbox. Credentials are generated when not given. */
export interface CivilAffairsSandboxOptions extends SandboxServerOptions {
  readonly fixtures: Fixtures;
  readonly appKey?: string;
  readonly appSecret?: string;
}

/** A running civil affairs sandbox and the credentials it accepts. */
export interface CivilAffairsSandbox extends SandboxHandle {
  readonly appKey: string;
  readonly appSecret: string;
}

/**
 * Starts the civil affairs sandbox on loopback.
 * @example const civil = await startCivilAffairsSandbox({ fixtures, slowMs: 200 });
 */
export async function startCivilAffairsSandbox(
  options: CivilAffairsSandboxOptions,
): Promise<CivilAffairsSandbox> {
  const appKey = options.appKey ?? `egw-${randomBytes(4).toString('hex')}`;
  const appSecret = options.appSecret ?? randomBytes(32).toString('base64url');
  const index = indexBySubject(options.fixtures.civilAffairs);
  const nonces = new Map<string, number>();

  const json = (status: number, value: unknown): SandboxReply => ({
    status,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(value),
  });
  const refuse = (code: string, reason: string): SandboxOutcome => ({
    kind: 'refused',
    reason,
    reply: json(401, { code, msg: '鉴权失败', reason }),
  });

  const authenticate = (req: IncomingMessage, path: string, body: string): SandboxOutcome | undefined => {
    const header = (name: string): string | undefined => {
      const v = req.headers[name];
      return typeof v === 'string' ? v : undefined;
    };
    const key = header(CIVIL_AFFAIRS_HEADERS.appKey);
    const timestamp = header(CIVIL_AFFAIRS_HEADERS.timestamp);
    const nonce = header(CIVIL_AFFAIRS_HEADERS.nonce);
    const signature = header(CIVIL_AFFAIRS_HEADERS.signature);
    if (!key || !timestamp || !nonce || !signature) return refuse('4001', 'missing signature headers');
    if (key !== appKey) return refuse('4002', 'unknown app key');
    const now = Date.now();
    if (!/^\d{13}$/.test(timestamp) || Math.abs(now - Number(timestamp)) > CIVIL_AFFAIRS_CLOCK_SKEW_MS) {
      return refuse('4003', 'timestamp outside the accepted window');
    }
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) return refuse('4001', 'malformed nonce');
    const expected = Buffer.from(sign(appSecret, { method: req.method ?? '', path, timestamp, nonce, body }));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return refuse('4004', 'bad signature');
    // Checked after the signature, so forged requests cannot burn someone else's nonces.
    if ((nonces.get(nonce) ?? 0) > now) return refuse('4005', 'replayed nonce');
    if (nonces.size > 10_000) for (const [n, until] of nonces) if (until <= now) nonces.delete(n);
    nonces.set(nonce, now + 2 * CIVIL_AFFAIRS_CLOCK_SKEW_MS);
    return undefined;
  };

  const handle = await startSandboxServer(
    {
      source: 'civil_affairs',
      handle: (req, raw) => {
        const path = (req.url ?? '/').split('?')[0] ?? '/';
        const body = raw.toString('utf8');
        if (path === CIVIL_AFFAIRS_PING_PATH && req.method === 'GET') {
          return (
            authenticate(req, path, body) ?? {
              kind: 'reply',
              reply: json(200, { code: CIVIL_AFFAIRS_OK, msg: 'ok' }),
            }
          );
        }
        if (path !== CIVIL_AFFAIRS_LOOKUP_PATH)
          return { kind: 'reply', reply: json(404, { code: '4040', msg: '接口不存在' }) };
        if (req.method !== 'POST')
          return { kind: 'reply', reply: json(405, { code: '4050', msg: '方法不支持' }) };
        const refused = authenticate(req, path, body);
        if (refused) return refused;
        let lookup: CivilAffairsLookup;
        try {
          lookup = CivilAffairsLookup.parse(JSON.parse(body));
        } catch {
          return {
            kind: 'rejected',
            reason: 'invalid lookup body',
            reply: json(400, { code: '4100', msg: '参数错误' }),
          };
        }
        const answer = () => ({
          code: CIVIL_AFFAIRS_OK,
          msg: '成功',
          qqlsh: lookup.qqlsh,
          data: { jzxx: recordsFor(index, lookup.zjhmList).map(toItem) },
        });
        return {
          kind: 'lookup',
          subjects: lookup.zjhmList,
          purpose: lookup.cxmd,
          consentReference: lookup.sqbh,
          requestId: lookup.qqlsh,
          answer: () => json(200, answer()),
          error: () => json(500, { code: '9999', msg: '系统内部错误' }),
          // Cut mid-document: no JSON parser accepts an object without its closing brace.
          malformed: () => {
            const full = JSON.stringify(answer());
            return {
              status: 200,
              contentType: 'application/json; charset=utf-8',
              body: full.slice(0, Math.ceil(full.length / 2)),
            };
          },
        };
      },
    },
    options,
  );
  return { ...handle, appKey, appSecret };
}
