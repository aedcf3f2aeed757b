/**
 * The HRSS (人社) registry's dialect: SOAP 1.1 over mutual TLS, element names in the
 * style of the social-insurance data dictionary (AAC002 公民身份号码 and so on), codes
 * for employment status and insured category, decimal strings for money, ISO dates.
 * Shared by the connector and the sandbox.
 *
 * Request  Header rs:Caller { Purpose, ConsentRef, TraceId } · Body rs:QueryInsuredRequest { AAC002* }
 * Answer   Body rs:QueryInsuredResponse { ResultCode 0, Persons { Person* { AAC002, AAC008, AAC013?, AAE180?, AIC166?, AAE036 } } }
 *   AAC008 employment status 1 在职 / 2 登记失业 / 3 离退休 / 9 无 · AAC013 insured category
 *   11 城镇职工 / 21 农民工 / 31 灵活就业 · AAE180 contribution base · AIC166 monthly pension · AAE036 as of
 * Failure  HTTP 500 with soap:Fault { faultcode, faultstring }
 */
import { z } from 'zod';
import type { HrssRecord } from '../../schemas/registry-records.ts';
import { type Decoded, malformed, registryFailure } from '../shared/registry-failure.ts';
import {
  childOf,
  childrenOf,
  parseXml,
  textOf,
  type XmlElement,
  XmlError,
  xmlElement,
} from '../shared/xml.ts';

/** SOAP 1.1 envelope namespace. */
export const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
/** The service's namespace. */
export const HRSS_NS = 'urn:js-hrss:cbxx:v1';
/** The service endpoint; `GET ?wsdl` on it is the liveness probe. */
export const HRSS_SERVICE_PATH = '/services/CbxxQueryService';
/** The SOAPAction header value of the lookup (quoted, as SOAP 1.1 writes it). */
export const HRSS_SOAP_ACTION = `"${HRSS_NS}#QueryInsured"`;
/** Most identity numbers one lookup may carry. */
export const HRSS_MAX_BATCH = 50;

const EMPLOYMENT_CODES = {
  employed: '1',
  unemployed_registered: '2',
  retired: '3',
  none: '9',
} as const satisfies Record<HrssRecord['employment'], string>;
const CATEGORY_CODES = {
  urban_employee: '11',
  migrant_worker: '21',
  flexible: '31',
} as const satisfies Record<NonNullable<HrssRecord['insuredCategory']>, string>;
const EMPLOYMENT_BY_CODE: Readonly<Record<string, HrssRecord['employment']>> = Object.fromEntries(
  Object.entries(EMPLOYMENT_CODES).map(([k, v]) => [v, k as HrssRecord['employment']]),
);
const CATEGORY_BY_CODE: Readonly<Record<string, NonNullable<HrssRecord['insuredCategory']>>> =
  Object.fromEntries(
    Object.entries(CATEGORY_CODES).map(([k, v]) => [v, k as NonNullable<HrssRecord['insuredCategory']>]),
  );

/** Who asks, why, and about whom. */
export interface HrssLookup {
  readonly purpose: string;
  readonly consentReference: string;
  readonly requestId: string;
  readonly subjects: readonly string[];
}

const envelope = (header: readonly string[], body: readonly string[]): string =>
  `<?xml version="1.0" encoding="UTF-8"?>${xmlElement(
    'soap:Envelope',
    [...(header.length > 0 ? [xmlElement('soap:Header', header)] : []), xmlElement('soap:Body', body)],
    { 'xmlns:soap': SOAP_NS, 'xmlns:rs': HRSS_NS },
  )}`;

/** The request envelope. @example buildLookupEnvelope({ purpose, consentReference, requestId, subjects }) */
export function buildLookupEnvelope(lookup: HrssLookup): string {
  return envelope(
    [
      xmlElement('rs:Caller', [
        xmlElement('rs:Purpose', lookup.purpose),
        xmlElement('rs:ConsentRef', lookup.consentReference),
        xmlElement('rs:TraceId', lookup.requestId),
      ]),
    ],
    [
      xmlElement(
        'rs:QueryInsuredRequest',
        lookup.subjects.map((id) => xmlElement('rs:AAC002', id)),
      ),
    ],
  );
}

/** Reads a request envelope (the sandbox's side); undefined when it is not a valid lookup. */
export function parseLookupEnvelope(xml: string): HrssLookup | undefined {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch {
    return undefined;
  }
  if (root.namespace !== SOAP_NS || root.localName !== 'Envelope') return undefined;
  const header = childOf(root, SOAP_NS, 'Header');
  const caller = header && childOf(header, HRSS_NS, 'Caller');
  const soapBody = childOf(root, SOAP_NS, 'Body');
  const request = soapBody && childOf(soapBody, HRSS_NS, 'QueryInsuredRequest');
  if (!caller || !request) return undefined;
  const purpose = textOf(caller, HRSS_NS, 'Purpose');
  const consentReference = textOf(caller, HRSS_NS, 'ConsentRef');
  const requestId = textOf(caller, HRSS_NS, 'TraceId') ?? '';
  const subjects = childrenOf(request, HRSS_NS, 'AAC002').map((e) => e.text.trim());
  if (!purpose || !consentReference || subjects.length === 0 || subjects.length > HRSS_MAX_BATCH)
    return undefined;
  return { purpose, consentReference, requestId, subjects };
}

const money = (v: number): string => v.toFixed(2);

/** One person as the agency writes it. @example personElement(record) */
export function personElement(record: HrssRecord): string {
  return xmlElement('rs:Person', [
    xmlElement('rs:AAC002', record.idNumber),
    xmlElement('rs:AAC008', EMPLOYMENT_CODES[record.employment]),
    ...(record.insuredCategory === undefined
      ? []
      : [xmlElement('rs:AAC013', CATEGORY_CODES[record.insuredCategory])]),
    ...(record.monthlyContributionBase === undefined
      ? []
      : [xmlElement('rs:AAE180', money(record.monthlyContributionBase))]),
    ...(record.monthlyPension === undefined ? [] : [xmlElement('rs:AIC166', money(record.monthlyPension))]),
    xmlElement('rs:AAE036', record.asOf),
  ]);
}

/** The answer envelope (the sandbox's side). @example buildAnswerEnvelope(records) */
export function buildAnswerEnvelope(records: readonly HrssRecord[]): string {
  return envelope(
    [],
    [
      xmlElement('rs:QueryInsuredResponse', [
        xmlElement('rs:ResultCode', '0'),
        xmlElement('rs:Persons', records.map(personElement)),
      ]),
    ],
  );
}

/** A SOAP 1.1 fault envelope. @example buildFaultEnvelope('soap:Server', 'internal error') */
export function buildFaultEnvelope(faultcode: string, faultstring: string): string {
  return envelope(
    [],
    [xmlElement('soap:Fault', [xmlElement('faultcode', faultcode), xmlElement('faultstring', faultstring)])],
  );
}

const Decimal = z.string().regex(/^\d{1,9}(\.\d{1,2})?$/);

/**
 * Decodes an answer envelope to unvalidated gateway-shaped records. Required elements
 * (ResultCode, Persons, and AAC002, AAC008, AAE036 per person) must be present; codes must be known.
 * @example decodeAnswerEnvelope(bytes) // { ok: true, value: [{ idNumber, employment: 'employed', ... }] }
 */
export function decodeAnswerEnvelope(body: Uint8Array): Decoded<Record<string, unknown>[]> {
  let root: XmlElement;
  try {
    root = parseXml(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (error) {
    return malformed(
      error instanceof XmlError
        ? `response is not acceptable XML: ${error.message}`
        : 'response is not UTF-8',
    );
  }
  if (root.namespace !== SOAP_NS || root.localName !== 'Envelope')
    return malformed('response is not a SOAP 1.1 envelope');
  const soapBody = childOf(root, SOAP_NS, 'Body');
  if (!soapBody) return malformed('envelope lacks Body');
  if (childOf(soapBody, SOAP_NS, 'Fault')) {
    return { ok: false, failure: registryFailure('ERR_REGISTRY_ERROR', 'registry answered a SOAP fault') };
  }
  const response = childOf(soapBody, HRSS_NS, 'QueryInsuredResponse');
  if (!response) return malformed('Body lacks QueryInsuredResponse');
  const resultCode = textOf(response, HRSS_NS, 'ResultCode');
  if (resultCode === undefined) return malformed('response lacks ResultCode');
  if (resultCode !== '0') {
    const code = /^\d{1,6}$/.test(resultCode) ? resultCode : 'unknown';
    return {
      ok: false,
      failure: registryFailure('ERR_REGISTRY_ERROR', `registry answered result code ${code}`),
    };
  }
  const persons = childOf(response, HRSS_NS, 'Persons');
  if (!persons) return malformed('response lacks Persons');
  const out: Record<string, unknown>[] = [];
  for (const [i, person] of childrenOf(persons, HRSS_NS, 'Person').entries()) {
    const idNumber = textOf(person, HRSS_NS, 'AAC002');
    const status = textOf(person, HRSS_NS, 'AAC008');
    const asOf = textOf(person, HRSS_NS, 'AAE036');
    if (idNumber === undefined || status === undefined || asOf === undefined) {
      return malformed(`person ${i} lacks a required element`);
    }
    const employment = EMPLOYMENT_BY_CODE[status];
    if (!employment) return malformed(`person ${i} has an unknown employment status code`);
    const categoryCode = textOf(person, HRSS_NS, 'AAC013');
    const insuredCategory = categoryCode === undefined ? undefined : CATEGORY_BY_CODE[categoryCode];
    if (categoryCode !== undefined && !insuredCategory)
      return malformed(`person ${i} has an unknown insured category code`);
    const base = textOf(person, HRSS_NS, 'AAE180');
    const pension = textOf(person, HRSS_NS, 'AIC166');
    if (
      (base !== undefined && !Decimal.safeParse(base).success) ||
      (pension !== undefined && !Decimal.safeParse(pension).success)
    ) {
      return malformed(`person ${i} has a non-decimal amount`);
    }
    out.push({
      idNumber,
      employment,
      ...(insuredCategory === undefined ? {} : { insuredCategory }),
      ...(base === undefined ? {} : { monthlyContributionBase: Number(base) }),
      ...(pension === undefined ? {} : { monthlyPension: Number(pension) }),
      asOf,
    });
  }
  return { ok: true, value: out };
}
