/**
 * The built-in registry connectors, their sandbox registries, the synthetic population
 * generator, and the shared plumbing a declarative connector reuses.
 */
export {
  BuiltInConnectorConfig,
  CivilAffairsConnectorConfig,
  DisabilityConnectorConfig,
  Es256PrivateJwk,
  HrssConnectorConfig,
} from './built-in-config.ts';
export { createCivilAffairsConnector } from './civil-affairs/civil-affairs-connector.ts';
export {
  type CivilAffairsSandbox,
  type CivilAffairsSandboxOptions,
  startCivilAffairsSandbox,
} from './civil-affairs/civil-affairs-sandbox.ts';
export { type BuiltInConnectors, createBuiltInConnectors } from './create-built-in-connectors.ts';
export { createDisabilityConnector } from './disability/disability-connector.ts';
export {
  type DisabilitySandbox,
  type DisabilitySandboxOptions,
  startDisabilitySandbox,
} from './disability/disability-sandbox.ts';
export { createHrssConnector } from './hrss/hrss-connector.ts';
export { type HrssSandbox, type HrssSandboxOptions, startHrssSandbox } from './hrss/hrss-sandbox.ts';
export {
  generatePopulation,
  NANJING_DISTRICTS,
  type PopulationOptions,
} from './population/generate-population.ts';
export {
  checkLatencyProfile,
  type LatencyModel,
  type LatencyProfile,
  type LatencyProfiles,
  sampleLatency,
} from './sandbox/latency-model.ts';
export { FixturesError, loadFixtures, parseFixtures } from './sandbox/load-fixtures.ts';
export { createSandboxPki, issueClientCertificate, type SandboxPki } from './sandbox/sandbox-pki.ts';
export {
  DEFAULT_SLOW_MS,
  type FaultMode,
  type SandboxHandle,
  type SandboxRequestRecord,
} from './sandbox/sandbox-server.ts';
export { type Sandboxes, type StartSandboxesOptions, startSandboxes } from './sandbox/start-sandboxes.ts';
export {
  createHttpTransport,
  DEFAULT_TRANSPORT_OPTIONS,
  type HttpResponse,
  type HttpTransport,
  type HttpTransportOptions,
  type OutboundRequest,
  type TlsClientOptions,
  type TransportOptions,
  type TransportResult,
} from './shared/http-transport.ts';
export { collectRecords, guardQuery, queryInBatches } from './shared/query-guard.ts';
export {
  failureForStatus,
  type RegistryErrorCode,
  type RegistryFailure,
  registryFailure,
  unavailable,
} from './shared/registry-failure.ts';
export { escapeXml, parseXml, type XmlElement, XmlError, xmlElement } from './shared/xml.ts';
