/**
 * What the Hono app is made of, apart from the app: its dependencies (`AppDeps`), its
 * context (`AppEnv`) and the observation hooks. Routes import these, not app.ts, so the app
 * and its routes do not import each other.
 */
import type { ChangeFeedStore } from '../core/change-feed.ts';
import type { ConnectorService } from '../core/connector-service.ts';
import type { SubjectAccessEntry } from '../core/decision-store.ts';
import type { IndicatorStore } from '../core/indicators.ts';
import type { OperationsStore } from '../core/operations-status.ts';
import type { Signer } from '../core/ports.ts';
import type { ReverificationOperations } from '../core/reverification-worker.ts';
import type { TransparencyLog } from '../core/transparency-log.ts';
import type { VerificationService } from '../core/verification-service.ts';
import type { WebhookService } from '../core/webhooks.ts';
import type { AuthVariables, BearerJwtOptions } from './auth.ts';
import type { FederationRouteDeps } from './routes/federation.ts';

export interface Readiness {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, 'ok' | 'failing' | 'disabled' | 'degraded' | 'alarm'>>;
}

/** What the edge needs to observe itself; optional so a runtime without Prometheus can omit it. */
export interface HttpMetrics {
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  render(): Promise<{ contentType: string; body: string }>;
}

/** Structured request log lines: route templates and codes, never bodies, ids or tokens. */
export type RequestLogger = (line: Readonly<Record<string, string | number | boolean>>) => void;

export interface AppDeps {
  readonly service: VerificationService;
  readonly log: TransparencyLog;
  readonly tracker: { subjectAccess(idNumber: string): Promise<readonly SubjectAccessEntry[]> };
  readonly signer: Signer;
  readonly auth: BearerJwtOptions;
  readonly readiness: () => Promise<Readiness>;
  readonly metrics?: HttpMetrics;
  readonly logger?: RequestLogger;
  /** Largest request body accepted, in bytes. */
  readonly bodyLimitBytes?: number;
  readonly version?: string;
  /** Partner connector lifecycle (`/v1/connectors`); a runtime without it omits the routes. */
  readonly connectors?: ConnectorService;
  /** The caller's webhook (`/v1/webhooks`); a runtime without it omits the routes. */
  readonly webhooks?: WebhookService;
  /** The change feed (`GET /v1/verifications?changedSince=`); omitted with it when absent. */
  readonly changes?: ChangeFeedStore;
  /** The re-verification queue's status and a pass on demand (`/v1/reverifications`). */
  readonly reverification?: ReverificationOperations;
  /** Peer gateways' questions (`POST /v1/federation/facts`, issue 16); the route is absent without peers. */
  readonly federation?: FederationRouteDeps;
  /** The performance indicators and the console's data (`/v1/reports/*`); omitted with them when absent. */
  readonly indicators?: IndicatorStore;
  /** The console's review-queue and ledger figures. */
  readonly operations?: OperationsStore;
  /** Each registry's configured quota, calls per second (the console shows its use). */
  readonly registryQuotas?: Readonly<Partial<Record<string, number>>>;
}

export type AppEnv = { Variables: AuthVariables };
