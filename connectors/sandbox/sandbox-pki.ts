/**
 * A throwaway PKI for the HRSS sandbox's mutual TLS: a CA, a server certificate for
 * loopback and the gateway's client certificate. Keys are RSA 2048 from node:crypto
 * (native and fast, where node-forge's pure-JS key generation takes seconds); node-forge
 * writes the certificates and node:crypto signs them. Nothing is written to disk.
 */
import { generateKeyPair, randomBytes, sign as signWithKey } from 'node:crypto';
import { promisify } from 'node:util';
import forge from 'node-forge';

const generateRsa = promisify(generateKeyPair);

/** PEMs of the sandbox PKI. The CA key stays with the sandbox; the gateway never needs it. */
export interface SandboxPki {
  readonly caCertPem: string;
  readonly caKeyPem: string;
  readonly serverCertPem: string;
  readonly serverKeyPem: string;
  readonly clientCertPem: string;
  readonly clientKeyPem: string;
  /** The subject CN the server accepts as the gateway. */
  readonly clientCommonName: string;
}

/** Options of `createSandboxPki`. */
export interface SandboxPkiOptions {
  /** CN of the gateway's client certificate. Default `egw-gateway`. */
  readonly clientCommonName?: string;
  /** Names and addresses the server certificate covers. Default 127.0.0.1, ::1, localhost. */
  readonly hosts?: readonly string[];
  /** Validity in days. Default 30. */
  readonly validDays?: number;
}

/** A key pair as PEM. */
interface PemKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

async function rsaKeyPair(): Promise<PemKeyPair> {
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

interface CertificateSpec {
  readonly commonName: string;
  readonly subjectKey: PemKeyPair;
  readonly issuer?: { readonly cert: forge.pki.Certificate; readonly keyPem: string };
  readonly extensions: object[];
  readonly validDays: number;
}

function certificate(spec: CertificateSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.subjectKey.publicKeyPem);
  // Positive serial: a leading 0x01 keeps the DER integer's sign bit clear.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 5 * 60_000);
  cert.validity.notAfter = new Date(now + spec.validDays * 86_400_000);
  const subject = [
    { name: 'commonName', value: spec.commonName },
    { name: 'organizationName', value: 'Eligibility Gateway sandbox' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(spec.issuer ? spec.issuer.cert.subject.attributes : subject);
  cert.setExtensions(spec.extensions);
  signNatively(cert, spec.issuer ? spec.issuer.keyPem : spec.subjectKey.privateKeyPem);
  return cert;
}

// node-forge exports this but its type definitions do not declare it.
const { getTBSCertificate } = forge.pki as unknown as {
  getTBSCertificate(cert: forge.pki.Certificate): forge.asn1.Asn1;
};

/**
 * What `cert.sign(key, sha256)` does, with the RSA operation done by node:crypto: forge's
 * pure-JS signature costs about 100 ms per certificate, which every test run would pay.
 */
function signNatively(cert: forge.pki.Certificate, issuerKeyPem: string): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption;
  if (oid === undefined) throw new Error('node-forge lacks the sha256WithRSAEncryption OID');
  cert.signatureOid = oid;
  cert.siginfo.algorithmOid = oid;
  cert.tbsCertificate = getTBSCertificate(cert);
  const tbs = Buffer.from(forge.asn1.toDer(cert.tbsCertificate).getBytes(), 'binary');
  cert.signature = signWithKey('sha256', tbs, issuerKeyPem).toString('binary');
}

function leafExtensions(kind: 'server' | 'client', hosts: readonly string[]): object[] {
  const altNames = hosts.map((h) =>
    /^[\d.]+$/.test(h) || h.includes(':') ? { type: 7, ip: h } : { type: 2, value: h },
  );
  return [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: kind === 'server', clientAuth: kind === 'client' },
    ...(kind === 'server' ? [{ name: 'subjectAltName', altNames }] : []),
  ];
}

/**
 * Creates a CA, a loopback server certificate and a client certificate.
 * @example const pki = await createSandboxPki(); // then https.createServer({ ca: pki.caCertPem, ... })
 */
export async function createSandboxPki(options: SandboxPkiOptions = {}): Promise<SandboxPki> {
  const clientCommonName = options.clientCommonName ?? 'egw-gateway';
  const hosts = options.hosts ?? ['127.0.0.1', '::1', 'localhost'];
  const validDays = options.validDays ?? 30;
  const [caKey, serverKey, clientKey] = await Promise.all([rsaKeyPair(), rsaKeyPair(), rsaKeyPair()]);
  const ca = certificate({
    commonName: 'HRSS sandbox CA',
    subjectKey: caKey,
    validDays,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const issuer = { cert: ca, keyPem: caKey.privateKeyPem };
  const server = certificate({
    commonName: 'hrss-sandbox',
    subjectKey: serverKey,
    issuer,
    validDays,
    extensions: leafExtensions('server', hosts),
  });
  const client = certificate({
    commonName: clientCommonName,
    subjectKey: clientKey,
    issuer,
    validDays,
    extensions: leafExtensions('client', []),
  });
  return {
    caCertPem: forge.pki.certificateToPem(ca),
    caKeyPem: caKey.privateKeyPem,
    serverCertPem: forge.pki.certificateToPem(server),
    serverKeyPem: serverKey.privateKeyPem,
    clientCertPem: forge.pki.certificateToPem(client),
    clientKeyPem: clientKey.privateKeyPem,
    clientCommonName,
  };
}

/**
 * Issues another client certificate from the sandbox CA (tests use it to show that a
 * certificate from the right CA with the wrong subject is still refused).
 * @example const intruder = await issueClientCertificate(pki, 'intruder');
 */
export async function issueClientCertificate(
  pki: Pick<SandboxPki, 'caCertPem' | 'caKeyPem'>,
  commonName: string,
  validDays = 1,
): Promise<{ readonly certPem: string; readonly keyPem: string }> {
  const key = await rsaKeyPair();
  const cert = certificate({
    commonName,
    subjectKey: key,
    issuer: { cert: forge.pki.certificateFromPem(pki.caCertPem), keyPem: pki.caKeyPem },
    validDays,
    extensions: leafExtensions('client', []),
  });
  return { certPem: forge.pki.certificateToPem(cert), keyPem: key.privateKeyPem };
}
