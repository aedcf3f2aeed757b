import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadGatewayCa } from '../../../src/adapters/node/gateway-ca.ts';
import { createCsr, parseCsr } from '../../../src/adapters/node/x509-der.ts';

const dir = mkdtempSync(join(tmpdir(), 'egw-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

describe('CSRs', () => {
  it('round-trip subject and names (DNS and IP), and prove possession of the key', () => {
    const csr = parseCsr(
      createCsr(
        key(),
        { commonName: '127.0.0.1', organization: 'nanjing-hpf' },
        { dnsNames: ['hpf.test'], ipAddresses: ['127.0.0.1', '::1', 'fd00:0:0:1::5', '2001:db8::'] },
      ),
    );
    expect(csr.subject).toEqual({ commonName: '127.0.0.1', organization: 'nanjing-hpf', others: 0 });
    expect(csr.dnsNames).toEqual(['hpf.test']);
    expect(csr.ipAddresses).toEqual(['127.0.0.1', '::1', 'fd00:0:0:1::5', '2001:db8::']);
  });

  it('are refused when not signed by their own key', () => {
    const pem = createCsr(key(), { commonName: 'a.test' }, { dnsNames: ['a.test'], ipAddresses: [] });
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64');
    // Flip a bit of the subject (inside the signed part) and keep the signature.
    const at = der.indexOf(Buffer.from('a.test'));
    der[at] = (der[at] ?? 0) ^ 0x01;
    const forged = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----`;
    expect(() => parseCsr(forged)).toThrow('the request is not signed by its own key');
  });
});

describe('the gateway CA', () => {
  it('is created once under <data>/keys/connector-ca (0600) and reloaded as is', () => {
    const first = loadGatewayCa({ dataDir: dir });
    const again = loadGatewayCa({ dataDir: dir });
    expect(again.caCertificatePem).toBe(first.caCertificatePem);
    expect(again.client.certificatePem).toBe(first.client.certificatePem);
    expect(statSync(join(dir, 'keys', 'connector-ca', 'ca-key.pem')).mode & 0o777).toBe(0o600);
    const ca = new X509Certificate(first.caCertificatePem);
    expect(ca.ca).toBe(true);
    expect(new X509Certificate(first.client.certificatePem).checkIssued(ca)).toBe(true);
  });

  it('never reuses a serial, even when the random one is taken', async () => {
    const taken = new Set<string>();
    let collisions = 3;
    const ca = loadGatewayCa({
      dataDir: dir,
      serialTaken: (serial) => taken.has(serial) || collisions-- > 0,
    });
    const serials: string[] = [];
    for (let i = 0; i < 20; i++) {
      const csr = createCsr(
        key(),
        { commonName: 'h.test', organization: 'ag' },
        { dnsNames: ['h.test'], ipAddresses: [] },
      );
      const issued = await ca.issueServerCertificate(csr, { agencyId: 'ag', host: 'h.test' }, 'c');
      serials.push(issued.certificate.serial);
      taken.add(issued.certificate.serial);
    }
    expect(new Set(serials).size).toBe(20);
    expect(collisions).toBeLessThan(0);
  });

  it('issues endpoint certificates valid for the configured hours only', async () => {
    const now = new Date('2026-03-01T00:00:00Z');
    const ca = loadGatewayCa({ dataDir: dir, clock: () => now, serverValidityHours: 48 });
    const csr = createCsr(
      key(),
      { commonName: 'h.test', organization: 'ag' },
      { dnsNames: ['h.test'], ipAddresses: [] },
    );
    const { certificate } = await ca.issueServerCertificate(csr, { agencyId: 'ag', host: 'h.test' }, 'c');
    expect(certificate.notAfter).toBe('2026-03-03T00:00:00.000Z');
    expect(certificate.notBefore).toBe('2026-02-28T23:59:00.000Z');
    expect(() => loadGatewayCa({ dataDir: dir, serverValidityHours: 24 * 365 })).toThrow(TypeError);
  });

  it('can run on an operator-provided CA', async () => {
    const own = loadGatewayCa({ dataDir: join(dir, 'other') });
    const provided = loadGatewayCa({
      provided: {
        certificatePem: own.caCertificatePem,
        keyPem: (await import('node:fs')).readFileSync(
          join(dir, 'other', 'keys', 'connector-ca', 'ca-key.pem'),
          'utf8',
        ),
      },
    });
    expect(provided.caCertificatePem).toBe(own.caCertificatePem);
    expect(
      new X509Certificate(provided.client.certificatePem).checkIssued(
        new X509Certificate(own.caCertificatePem),
      ),
    ).toBe(true);
  });
});
