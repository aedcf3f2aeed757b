/**
 * The gateway's CA for partner connectors (ECDSA P-256): it certifies each agency's endpoint
 * (CSR in, chain out; subject and names checked against the manifest; days of validity;
 * random 128-bit serials), issues the gateway's own client certificate for mutual TLS, and
 * signs the revocation list. Its key and certificate live under `<data>/keys/connector-ca/`
 * (mode 0600, created on first use) or are provided by the operator.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  X509Certificate,
} from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  CertificateExpectation,
  ConnectorAuthority,
  IssuedCertificate,
  StoredCertificate,
} from '../../core/connector-ports.ts';
import { GatewayError } from '../../core/errors.ts';
import {
  type AltNames,
  type CertificateUsage,
  CsrError,
  certificateDer,
  certificateExtensions,
  certificateSubject,
  crlDer,
  derToPem,
  fromDer,
  nameNode,
  parseCsr,
  pemToDer,
} from './x509-der.ts';

export interface GatewayCaOptions {
  /** Keys are kept under `<dataDir>/keys/connector-ca/`. */
  readonly dataDir?: string;
  /** An operator-provided issuing CA instead (PEM, EC P-256). */
  readonly provided?: { readonly certificatePem: string; readonly keyPem: string };
  readonly clock?: () => Date;
  /** Validity of endpoint certificates. Default 7 days; at most 90. */
  readonly serverValidityHours?: number;
  /** Validity of the gateway's client certificate. Default 30 days; renewed at start when a third is left. */
  readonly clientValidityHours?: number;
  /** Answers whether a serial is already taken (a collision of 128 random bits is astronomically rare, but checked). */
  readonly serialTaken?: (serial: string) => boolean;
}

/** The CA, with what the lifecycle needs and what the runtime wires into transports. */
export interface GatewayCa extends ConnectorAuthority {
  /** The gateway's client key and certificate, for the declarative connectors' transports. */
  readonly client: {
    readonly certificatePem: string;
    readonly keyPem: string;
    readonly certificate: StoredCertificate;
  };
  /** Issues a certificate for a public key directly (tests: certificates with chosen validity). */
  issue(input: {
    readonly publicKey: KeyObject;
    readonly subject: { readonly commonName?: string; readonly organization?: string };
    readonly names: AltNames;
    readonly usage: CertificateUsage;
    readonly notBefore: Date;
    readonly notAfter: Date;
    readonly connectorId: string | null;
  }): IssuedCertificate;
}

const CA_SUBJECT = { commonName: 'Eligibility Gateway connector CA', organization: 'Eligibility Gateway' };
export const GATEWAY_CLIENT_NAME = 'eligibility-gateway';

function writeSecret(file: string, text: string): void {
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, file);
}

function keyId(spkiDer: Uint8Array): Buffer {
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits.
  const spki = fromDer(spkiDer);
  const bits = Array.isArray(spki.value) ? spki.value[1] : undefined;
  const raw = Buffer.from(String(bits?.value ?? ''), 'binary').subarray(1);
  return createHash('sha1').update(raw).digest();
}

function fingerprintOf(der: Uint8Array): string {
  return (createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g) ?? []).join(':');
}

function serialHex(bytes: Uint8Array): string {
  return Buffer.from(bytes)
    .toString('hex')
    .replace(/^0+(?=.)/, '');
}

function loadOrCreate(options: GatewayCaOptions, now: Date): { certPem: string; key: KeyObject } {
  if (options.provided) {
    const key = createPrivateKey(options.provided.keyPem);
    if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new TypeError('gateway CA: the provided key must be EC P-256');
    new X509Certificate(options.provided.certificatePem);
    return { certPem: options.provided.certificatePem, key };
  }
  if (options.dataDir === undefined) throw new TypeError('gateway CA: give dataDir or provided');
  const dir = join(options.dataDir, 'keys', 'connector-ca');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const keyFile = join(dir, 'ca-key.pem');
  const certFile = join(dir, 'ca-cert.pem');
  if (existsSync(keyFile) && existsSync(certFile))
    return { certPem: readFileSync(certFile, 'utf8'), key: createPrivateKey(readFileSync(keyFile, 'utf8')) };
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const id = keyId(spki);
  const der = certificateDer(
    {
      serial: randomSerial(),
      issuer: nameNode(CA_SUBJECT),
      subject: nameNode(CA_SUBJECT),
      spkiDer: spki,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 3 * 365 * 86_400_000),
      extensions: certificateExtensions('ca', { subjectKeyId: id, authorityKeyId: id }),
    },
    privateKey,
  );
  const certPem = derToPem(der, 'CERTIFICATE');
  writeSecret(keyFile, privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
  writeSecret(certFile, certPem);
  return { certPem, key: privateKey };
}

function randomSerial(): Buffer {
  const b = randomBytes(16);
  // Positive, and 16 significant bytes: the top bit clear, the next one set.
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x40;
  return b;
}

function refuse(errors: { path: string; message: string }[]): GatewayError {
  return new GatewayError('ERR_VALIDATION', 'certificate request refused', {
    errors,
    facts: { problems: errors.length },
  });
}

/**
 * Loads (or creates) the CA and the gateway's client certificate.
 * @example const ca = loadGatewayCa({ dataDir: './data' }); ca.caCertificatePem
 */
export function loadGatewayCa(options: GatewayCaOptions): GatewayCa {
  const clock = options.clock ?? (() => new Date());
  const serverHours = options.serverValidityHours ?? 7 * 24;
  if (!Number.isInteger(serverHours) || serverHours < 1 || serverHours > 90 * 24)
    throw new TypeError('gateway CA: serverValidityHours must be 1 … 2160');
  const clientHours = options.clientValidityHours ?? 30 * 24;
  const ca = loadOrCreate(options, clock());
  const caDer = pemToDer(ca.certPem, ['CERTIFICATE']) ?? Buffer.alloc(0);
  const caSpki = new X509Certificate(ca.certPem).publicKey.export({ format: 'der', type: 'spki' });
  const authorityKeyId = keyId(caSpki);
  const issuer = () => certificateSubject(caDer);

  function issue(input: Parameters<GatewayCa['issue']>[0]): IssuedCertificate {
    let serial = randomSerial();
    while (options.serialTaken?.(serialHex(serial))) serial = randomSerial();
    const publicKey = input.publicKey.type === 'private' ? createPublicKey(input.publicKey) : input.publicKey;
    const spki = publicKey.export({ format: 'der', type: 'spki' });
    const der = certificateDer(
      {
        serial,
        issuer: issuer(),
        subject: nameNode(input.subject),
        spkiDer: spki,
        notBefore: input.notBefore,
        notAfter: input.notAfter,
        extensions: certificateExtensions(
          input.usage === 'ca' ? 'client' : input.usage,
          {
            subjectKeyId: keyId(spki),
            authorityKeyId,
          },
          input.names,
        ),
      },
      ca.key,
    );
    const pem = derToPem(der, 'CERTIFICATE');
    const x509 = new X509Certificate(pem);
    const certificate: StoredCertificate = {
      serial: serialHex(serial),
      connectorId: input.connectorId,
      usage: input.usage === 'server' ? 'server' : 'client',
      subject: x509.subject.replace(/\n/g, ', '),
      dnsNames: input.names.dnsNames,
      ipAddresses: input.names.ipAddresses,
      notBefore: input.notBefore.toISOString(),
      notAfter: input.notAfter.toISOString(),
      fingerprint: fingerprintOf(der),
      pem,
      issuedAt: clock().toISOString(),
      revokedAt: null,
      revocationReason: null,
    };
    return { certificate, chainPem: `${pem}${ca.certPem.endsWith('\n') ? ca.certPem : `${ca.certPem}\n`}` };
  }

  const client = loadClient(options, clock(), clientHours, issue);

  return {
    caCertificatePem: ca.certPem,
    clientCertificatePem: client.certificatePem,
    client,
    issue,

    async issueServerCertificate(csrPem: string, expect: CertificateExpectation, connectorId: string) {
      let csr: ReturnType<typeof parseCsr>;
      try {
        csr = parseCsr(csrPem);
      } catch (error) {
        throw refuse([
          {
            path: '/csr',
            message: error instanceof CsrError ? error.message : 'not a valid certificate request',
          },
        ]);
      }
      const errors: { path: string; message: string }[] = [];
      if (csr.subject.organization !== expect.agencyId)
        errors.push({ path: '/csr/subject/O', message: `must be the agency id ${expect.agencyId}` });
      if (csr.subject.commonName !== expect.host)
        errors.push({ path: '/csr/subject/CN', message: `must be the endpoint host ${expect.host}` });
      if (csr.subject.others > 0) errors.push({ path: '/csr/subject', message: 'must hold only CN and O' });
      const names = [...csr.dnsNames, ...csr.ipAddresses];
      if (names.length !== 1 || names[0] !== expect.host || csr.otherAltNames > 0)
        errors.push({
          path: '/csr/subjectAltName',
          message: `must name exactly the endpoint host ${expect.host}`,
        });
      if (errors.length > 0) throw refuse(errors);
      const now = clock();
      return issue({
        publicKey: csr.publicKey,
        subject: { commonName: expect.host, organization: expect.agencyId },
        names: { dnsNames: csr.dnsNames, ipAddresses: csr.ipAddresses },
        usage: 'server',
        notBefore: new Date(now.getTime() - 60_000),
        notAfter: new Date(now.getTime() + serverHours * 3_600_000),
        connectorId,
      });
    },

    async crl(revoked) {
      const now = clock();
      return crlDer(
        {
          issuer: issuer(),
          thisUpdate: new Date(now.getTime() - 60_000),
          nextUpdate: new Date(now.getTime() + 24 * 3_600_000),
          // Monotonic without state: minutes since the epoch.
          number: Math.floor(now.getTime() / 60_000),
          authorityKeyId,
          revoked: revoked.map((r) => ({ serialHex: r.serial, revokedAt: new Date(r.revokedAt) })),
        },
        ca.key,
      );
    },
  };
}

function loadClient(
  options: GatewayCaOptions,
  now: Date,
  hours: number,
  issue: GatewayCa['issue'],
): GatewayCa['client'] {
  const dir = options.dataDir === undefined ? undefined : join(options.dataDir, 'keys', 'connector-ca');
  const keyFile = dir && join(dir, 'gateway-client-key.pem');
  const certFile = dir && join(dir, 'gateway-client-cert.pem');
  let keyPem: string;
  if (keyFile && existsSync(keyFile)) keyPem = readFileSync(keyFile, 'utf8');
  else {
    keyPem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();
    if (keyFile) writeSecret(keyFile, keyPem);
  }
  if (certFile && existsSync(certFile)) {
    const pem = readFileSync(certFile, 'utf8');
    const x509 = new X509Certificate(pem);
    const until = new Date(x509.validTo).getTime();
    const from = new Date(x509.validFrom).getTime();
    const caPem = options.provided?.certificatePem ?? readFileSync(join(dir ?? '', 'ca-cert.pem'), 'utf8');
    // Reuse unless a third of its life is left or it is not from this CA (a replaced CA).
    if (until - now.getTime() > (until - from) / 3 && x509.checkIssued(new X509Certificate(caPem)))
      return {
        certificatePem: pem,
        keyPem,
        certificate: {
          serial: x509.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
          connectorId: null,
          usage: 'client',
          subject: x509.subject.replace(/\n/g, ', '),
          dnsNames: [],
          ipAddresses: [],
          notBefore: new Date(from).toISOString(),
          notAfter: new Date(until).toISOString(),
          fingerprint: x509.fingerprint256,
          pem,
          issuedAt: new Date(from).toISOString(),
          revokedAt: null,
          revocationReason: null,
        },
      };
  }
  const issued = issue({
    publicKey: createPublicKey(keyPem),
    subject: { commonName: GATEWAY_CLIENT_NAME, organization: 'Eligibility Gateway' },
    names: { dnsNames: [], ipAddresses: [] },
    usage: 'client',
    notBefore: new Date(now.getTime() - 60_000),
    notAfter: new Date(now.getTime() + hours * 3_600_000),
    connectorId: null,
  });
  if (certFile) writeSecret(certFile, issued.certificate.pem);
  return { certificatePem: issued.certificate.pem, keyPem, certificate: issued.certificate };
}
