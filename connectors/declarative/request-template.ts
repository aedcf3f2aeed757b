/**
 * Renders a manifest's request template into one outbound request. Substitution only: the
 * placeholders of TEMPLATE_PLACEHOLDERS are replaced by values (escaped for where they
 * land: XML text, URL query, header), `"{{subjects}}"` as a whole JSON string becomes the
 * list of subjects. Nothing else in a template is interpreted.
 */
import type { ConnectorManifest, ConnectorRequest } from '../../schemas/connector-manifest.ts';
import { placeholdersIn } from '../../schemas/connector-manifest.ts';
import type { OutboundRequest } from '../shared/transport.ts';
import { escapeXml } from '../shared/xml.ts';

/** The values a template is rendered with. */
export interface TemplateValues {
  /** The subjects of this call: one in per-subject mode. */
  readonly subjects: readonly string[];
  readonly purpose: string;
  readonly consentReference: string;
  readonly requestId: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z]+)\s*\}\}/g;

/** Whether the template asks one subject per call (`{{subject}}`) rather than a batch. */
export function isPerSubject(request: ConnectorRequest): boolean {
  const texts: string[] = [
    request.envelope ?? '',
    ...Object.values(request.query ?? {}),
    ...Object.values(request.headers ?? {}),
    JSON.stringify(request.body ?? null),
  ];
  return texts.some((t) => placeholdersIn(t).includes('subject'));
}

function scalar(name: string, values: TemplateValues): string {
  switch (name) {
    case 'subject':
      return values.subjects[0] ?? '';
    case 'purpose':
      return values.purpose;
    case 'consentReference':
      return values.consentReference;
    case 'requestId':
      return values.requestId;
    default:
      return '';
  }
}

/** Replaces every scalar placeholder in `text`, each value passed through `escapeValue`. */
export function renderText(
  text: string,
  values: TemplateValues,
  escapeValue: (v: string) => string = (v) => v,
): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => escapeValue(scalar(name, values)));
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function renderJson(template: unknown, values: TemplateValues): Json {
  if (typeof template === 'string')
    return template.trim() === '{{subjects}}' ? [...values.subjects] : renderText(template, values);
  if (typeof template === 'number' || typeof template === 'boolean' || template === null) return template;
  if (Array.isArray(template)) return template.map((t) => renderJson(t, values));
  if (typeof template === 'object')
    return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, renderJson(v, values)]));
  return null;
}

// Header values come from the request (the consent reference): no control characters.
const headerSafe = (v: string) =>
  [...v]
    .filter((ch) => {
      const code = ch.charCodeAt(0);
      return code >= 0x20 && code !== 0x7f;
    })
    .join('');

/**
 * The outbound request for one call.
 * @example renderRequest(manifest, { subjects: [id], purpose, consentReference, requestId })
 */
export function renderRequest(manifest: ConnectorManifest, values: TemplateValues): OutboundRequest {
  const r = manifest.request;
  const soap = manifest.endpoint.protocol === 'soap_xml';
  const query = Object.entries(r.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(renderText(v, values))}`)
    .join('&');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(r.headers ?? {}))
    headers[k] = headerSafe(renderText(v, values, headerSafe));
  headers.accept = soap ? 'text/xml, application/jose' : 'application/json, application/jose';
  let body: string | undefined;
  if (soap) {
    body = renderText(r.envelope ?? '', values, escapeXml);
    headers['content-type'] = 'text/xml; charset=utf-8';
    headers.soapaction = `"${headerSafe(r.soapAction ?? '')}"`;
  } else if (r.method === 'POST') {
    body = JSON.stringify(renderJson(r.body ?? {}, values));
    headers['content-type'] = 'application/json';
  }
  return {
    method: r.method,
    path: query === '' ? r.path : `${r.path}?${query}`,
    headers,
    ...(body === undefined ? {} : { body }),
  };
}
