/**
 * A fourth registry nobody wrote a connector for: a simulated housing provident fund centre
 * (住房公积金管理中心) speaking its own dialect, for partner-connector tests and demos. A real
 * HTTPS server on loopback. Its TLS certificate comes from the gateway CA (through the CSR
 * API, installed with `setCertificate`); under `mtls` it demands a client certificate from
 * the gateway CA with the gateway's name, under `hmac` it checks the app-key signature,
 * under `jwks` it signs every answer with its own key.
 *
 * Dialect, REST/JSON: `POST /gjj/api/v2/accounts/query` with `{ reqNo, yt, sqbh, zjhmList }`
 * answers `{ retCode: '0000', data: { accounts: [{ zjhm, zhzt: '01'|'02'|'03', yjce (fen),
 * zjjcrq: 'YYYYMMDD' }] } }`. SOAP/XML: `POST /gjj/ws/AccountService` with
 * `<gjj:QueryAccount><gjj:Zjhm>…` answers `<gjj:Account zhzt="01"><gjj:Zjhm>…</gjj:Zjhm>
 * <gjj:Yjce>…</gjj:Yjce><gjj:Zjjcrq>…</gjj:Zjjcrq></gjj:Account>`, one per subject.
 */
import { createHmac, generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CompactSign, exportJWK, type JWK } from 'jose';
import { escapeXml, parseXml } from '../../shared/xml.ts';
import { HMAC_HEADERS, hmacSigningString } from '../declarative-connector.ts';

/** One account the fund holds. */
export interface HousingFundAccount {
  readonly idNumber: string;
  /** 01 normal (正常), 02 sealed (封存), 03 closed (销户). */
  readonly status: '01' | '02' | '03';
  /** Monthly deposit, in fen. */
  readonly monthlyDepositFen: number;
  /** YYYYMMDD. */
  readonly lastDepositDate: string;
}

/** One request the sandbox saw on its data path. */
export interface HousingFundRequest {
  readonly path: string;
  readonly outcome: 'answered' | 'refused' | 'rejected' | 'redirected';
  readonly reason?: string;
  readonly subjects: readonly string[];
  readonly purpose?: string;
  readonly consentReference?: string;
  readonly requestId?: string;
  /** CN of the client certificate presented, if any. */
  readonly clientCommonName?: string;
}

export interface HousingFundSandboxOptions {
  readonly accounts: readonly HousingFundAccount[];
  /** How the gateway must authenticate. Default `mtls`. */
  readonly auth?: 'mtls' | 'hmac' | 'jwks';
  /** The gateway CA (PEM): client certificates must chain to it under `mtls` and `jwks`. */
  readonly caPem?: string;
  /** The CN the gateway's client certificate must carry. Default `eligibility-gateway`. */
  readonly clientCommonName?: string;
}

export interface HousingFundSandbox {
  readonly port: number;
  readonly requests: readonly HousingFundRequest[];
  /** TCP connections accepted so far (a refused-before-connect test expects none). */
  readonly connections: number;
  /** The key the sandbox's server certificate is for (the integrator makes the CSR with it). */
  readonly privateKey: KeyObject;
  /** Public key answers are signed with under `jwks`. */
  readonly signingJwk: JWK;
  /**
   * Installs the server certificate chain from the gateway CA (PEM, leaf first), for
   * `privateKey` or for the key given (an integrator's own, e.g. from `egw connectors csr`).
   */
  setCertificate(chainPem: string, keyPem?: string): void;
  setCa(caPem: string): void;
  /** The app key the gateway issued (base64url secret), under `hmac`. */
  setAppKey(keyId: string, secret: string): void;
  /** Answer every data request with a redirect to `location` (SSRF test). */
  redirectTo(location: string | undefined): void;
  /** Change what the fund holds. */
  setAccounts(accounts: readonly HousingFundAccount[]): void;
  close(): Promise<void>;
}

const NS = 'urn:gjj:account:v1';
const REST_PATH = '/gjj/api/v2/accounts/query';
const SOAP_PATH = '/gjj/ws/AccountService';

/**
 * @example const hpf = await startHousingFundSandbox({ accounts, caPem: ca.certificate });
 */
export async function startHousingFundSandbox(
  options: HousingFundSandboxOptions,
): Promise<HousingFundSandbox> {
  const auth = options.auth ?? 'mtls';
  const clientName = options.clientCommonName ?? 'eligibility-gateway';
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signing = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signingJwk: JWK = {
    ...(await exportJWK(signing.publicKey)),
    kid: 'hpf-2026',
    alg: 'ES256',
    use: 'sig',
  };
  let accounts = new Map(options.accounts.map((a) => [a.idNumber, a]));
  let caPem = options.caPem;
  let appKey: { keyId: string; secret: Buffer } | undefined;
  let redirect: string | undefined;
  let connections = 0;
  const requests: HousingFundRequest[] = [];
  const mutual = auth !== 'hmac';

  const server: Server = createServer({ requestCert: mutual, rejectUnauthorized: mutual }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const path = req.url ?? '';
        const peer = (req.socket as TLSSocket).getPeerX509Certificate?.();
        const cn = peer ? /CN=([^\n,]+)/.exec(peer.subject)?.[1] : undefined;
        const record = (r: Omit<HousingFundRequest, 'path' | 'clientCommonName'>) =>
          requests.push({ path, ...(cn === undefined ? {} : { clientCommonName: cn }), ...r });
        const reply = async (
          status: number,
          type: string,
          text: string,
          headers: Record<string, string> = {},
        ) => {
          const signed =
            auth === 'jwks' && status === 200
              ? await new CompactSign(new TextEncoder().encode(text))
                  .setProtectedHeader({ alg: 'ES256', kid: 'hpf-2026' })
                  .sign(signing.privateKey)
              : text;
          res.writeHead(status, {
            'content-type': auth === 'jwks' && status === 200 ? 'application/jose' : type,
            ...headers,
          });
          res.end(signed);
        };
        if (mutual && cn !== clientName) {
          record({ outcome: 'refused', reason: 'client certificate is not the gateway', subjects: [] });
          return reply(403, 'application/json', '{"retCode":"9403"}');
        }
        if (auth === 'hmac') {
          const problem = checkHmac(req.method ?? '', path, req.headers, body, appKey);
          if (problem) {
            record({ outcome: 'refused', reason: problem, subjects: [] });
            return reply(401, 'application/json', '{"retCode":"9401"}');
          }
        }
        if (redirect !== undefined) {
          record({ outcome: 'redirected', subjects: [] });
          return reply(302, 'text/plain', '', { location: redirect });
        }
        if (path === REST_PATH && req.method === 'POST') {
          let parsed: { reqNo?: unknown; yt?: unknown; sqbh?: unknown; zjhmList?: unknown };
          try {
            parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
          } catch {
            record({ outcome: 'rejected', reason: 'not JSON', subjects: [] });
            return reply(400, 'application/json', '{"retCode":"9400"}');
          }
          const ids = Array.isArray(parsed.zjhmList)
            ? parsed.zjhmList.filter((x): x is string => typeof x === 'string')
            : [];
          record({
            outcome: 'answered',
            subjects: ids,
            purpose: String(parsed.yt ?? ''),
            consentReference: String(parsed.sqbh ?? ''),
            requestId: String(parsed.reqNo ?? ''),
          });
          const found = ids.flatMap((id) => {
            const a = accounts.get(id);
            return a
              ? [{ zjhm: a.idNumber, zhzt: a.status, yjce: a.monthlyDepositFen, zjjcrq: a.lastDepositDate }]
              : [];
          });
          return reply(
            200,
            'application/json',
            JSON.stringify({ retCode: '0000', data: { accounts: found } }),
          );
        }
        if (path === SOAP_PATH && req.method === 'POST') {
          let ids: string[] = [];
          let purpose = '';
          try {
            const envelope = parseXml(body.toString('utf8'));
            const all = (el: typeof envelope): (typeof envelope)[] => [el, ...el.children.flatMap(all)];
            ids = all(envelope)
              .filter((e) => e.localName === 'Zjhm')
              .map((e) => e.text.trim());
            purpose =
              all(envelope)
                .find((e) => e.localName === 'Yt')
                ?.text.trim() ?? '';
          } catch {
            record({ outcome: 'rejected', reason: 'not XML', subjects: [] });
            return reply(400, 'text/xml', '<fault/>');
          }
          record({ outcome: 'answered', subjects: ids, purpose });
          const items = ids
            .flatMap((id) => {
              const a = accounts.get(id);
              return a
                ? [
                    `<gjj:Account zhzt="${a.status}"><gjj:Zjhm>${escapeXml(a.idNumber)}</gjj:Zjhm><gjj:Yjce>${a.monthlyDepositFen}</gjj:Yjce><gjj:Zjjcrq>${a.lastDepositDate}</gjj:Zjjcrq></gjj:Account>`,
                  ]
                : [];
            })
            .join('');
          return reply(
            200,
            'text/xml; charset=utf-8',
            `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:gjj="${NS}"><soap:Body><gjj:QueryAccountResponse>${items}</gjj:QueryAccountResponse></soap:Body></soap:Envelope>`,
          );
        }
        return reply(404, 'application/json', '{"retCode":"9404"}');
      })();
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  // TLS errors (a refused client certificate) are the test's point, not a crash.
  server.on('tlsClientError', () => {});

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let chain: string | undefined;
  let servedKey = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  const install = () => {
    if (chain === undefined) return;
    server.setSecureContext({
      key: servedKey,
      cert: chain,
      ...(caPem === undefined ? {} : { ca: caPem }),
    });
  };

  return {
    port,
    requests,
    get connections() {
      return connections;
    },
    privateKey,
    signingJwk,
    setCertificate(chainPem, keyPem) {
      new X509Certificate(chainPem);
      chain = chainPem;
      if (keyPem !== undefined) servedKey = keyPem;
      install();
    },
    setCa(pem) {
      caPem = pem;
      install();
    },
    setAppKey(keyId, secret) {
      appKey = { keyId, secret: Buffer.from(secret, 'base64url') };
    },
    redirectTo(location) {
      redirect = location;
    },
    setAccounts(next) {
      accounts = new Map(next.map((a) => [a.idNumber, a]));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function checkHmac(
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
  key: { keyId: string; secret: Buffer } | undefined,
): string | undefined {
  const header = (name: string) => {
    const v = headers[name];
    return typeof v === 'string' ? v : undefined;
  };
  if (!key) return 'no app key installed';
  if (header(HMAC_HEADERS.keyId) !== key.keyId) return 'unknown key id';
  const timestamp = header(HMAC_HEADERS.timestamp) ?? '';
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return 'stale timestamp';
  const expected = createHmac('sha256', key.secret)
    .update(hmacSigningString(method, path, timestamp, header(HMAC_HEADERS.nonce) ?? '', body))
    .digest('base64');
  return header(HMAC_HEADERS.signature) === expected ? undefined : 'bad signature';
}
