/**
 * A simulated HRSS (人社) registry: SOAP 1.1 over mutual TLS. The TLS layer refuses
 * clients without a certificate from the sandbox CA; the service then accepts only the
 * gateway's certificate subject. Synthetic data from the fixtures only.
 */
import type { TLSSocket } from 'node:tls';
import type { Fixtures } from '../../schemas/registry-records.ts';
import { indexBySubject, recordsFor } from '../sandbox/fixture-index.ts';
import { createSandboxPki, type SandboxPki } from '../sandbox/sandbox-pki.ts';
import {
  type SandboxHandle,
  type SandboxReply,
  type SandboxServerOptions,
  startSandboxServer,
} from '../sandbox/sandbox-server.ts';
import { xmlElement } from '../shared/xml.ts';
import {
  buildAnswerEnvelope,
  buildFaultEnvelope,
  HRSS_NS,
  HRSS_SERVICE_PATH,
  HRSS_SOAP_ACTION,
  parseLookupEnvelope,
  SOAP_NS,
} from './hrss-dialect.ts';

/** Options of the HRSS sandbox. A PKI is created when none is given. */
export interface HrssSandboxOptions extends SandboxServerOptions {
  readonly fixtures: Fixtures;
  readonly pki?: SandboxPki;
}

/** A running HRSS sandbox and its PKI (the gateway's client certificate included). */
export interface HrssSandbox extends SandboxHandle {
  readonly pki: SandboxPki;
}

const XML = 'text/xml; charset=utf-8';
const soapFault = (status: number, code: string, text: string): SandboxReply => ({
  status,
  contentType: XML,
  body: buildFaultEnvelope(code, text),
});

// A service description for `GET ?wsdl`, which SOAP clients and our liveness probe ask for.
const WSDL = `<?xml version="1.0" encoding="UTF-8"?>${xmlElement('wsdl:definitions', [], {
  'xmlns:wsdl': 'http://schemas.xmlsoap.org/wsdl/',
  targetNamespace: HRSS_NS,
  name: 'CbxxQueryService',
})}`;

// Well-formed XML that breaks the dialect: no ResultCode, and a person without AAC002.
const MALFORMED = `<?xml version="1.0" encoding="UTF-8"?>${xmlElement(
  'soap:Envelope',
  [
    xmlElement('soap:Body', [
      xmlElement('rs:QueryInsuredResponse', [
        xmlElement('rs:Persons', [xmlElement('rs:Person', [xmlElement('rs:AAC008', '1')])]),
      ]),
    ]),
  ],
  { 'xmlns:soap': SOAP_NS, 'xmlns:rs': HRSS_NS },
)}`;

/**
 * Starts the HRSS sandbox (HTTPS, client certificate required) on loopback.
 * @example const hrss = await startHrssSandbox({ fixtures }); // hrss.pki.clientCertPem for the gateway
 */
export async function startHrssSandbox(options: HrssSandboxOptions): Promise<HrssSandbox> {
  const pki = options.pki ?? (await createSandboxPki());
  const index = indexBySubject(options.fixtures.hrss);
  const handle = await startSandboxServer(
    {
      source: 'hrss',
      tls: {
        key: pki.serverKeyPem,
        cert: pki.serverCertPem,
        ca: pki.caCertPem,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
      },
      handle: (req, raw) => {
        const [path, search = ''] = (req.url ?? '/').split('?');
        if (path !== HRSS_SERVICE_PATH)
          return { kind: 'reply', reply: { status: 404, contentType: 'text/plain', body: 'not found' } };
        if (req.method === 'GET' && search.toLowerCase() === 'wsdl') {
          return { kind: 'reply', reply: { status: 200, contentType: XML, body: WSDL } };
        }
        if (req.method !== 'POST')
          return {
            kind: 'reply',
            reply: { status: 405, contentType: 'text/plain', body: 'method not allowed' },
          };
        // TLS already proved the certificate chains to our CA; the subject says who the caller is.
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        if (peer.subject?.CN !== pki.clientCommonName) {
          return {
            kind: 'refused',
            reason: 'client certificate subject not authorised',
            reply: soapFault(403, 'soap:Client', '调用方未授权'),
          };
        }
        if (
          req.headers.soapaction !== HRSS_SOAP_ACTION ||
          !String(req.headers['content-type'] ?? '').startsWith('text/xml')
        ) {
          return {
            kind: 'rejected',
            reason: 'wrong SOAPAction or content type',
            reply: soapFault(500, 'soap:Client', '不支持的操作'),
          };
        }
        const lookup = parseLookupEnvelope(raw.toString('utf8'));
        if (!lookup)
          return {
            kind: 'rejected',
            reason: 'invalid lookup envelope',
            reply: soapFault(500, 'soap:Client', '请求报文无效'),
          };
        return {
          kind: 'lookup',
          subjects: lookup.subjects,
          purpose: lookup.purpose,
          consentReference: lookup.consentReference,
          requestId: lookup.requestId,
          answer: () => ({
            status: 200,
            contentType: XML,
            body: buildAnswerEnvelope(recordsFor(index, lookup.subjects)),
          }),
          error: () => soapFault(500, 'soap:Server', '系统内部错误'),
          malformed: () => ({ status: 200, contentType: XML, body: MALFORMED }),
        };
      },
    },
    options,
  );
  return { ...handle, pki };
}
