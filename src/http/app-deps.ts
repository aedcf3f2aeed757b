/**
 * What the Hono app is made of, apart from the app: its dependencies (`AppDeps`), its
 * context (`AppEnv`) and the observation hooks. Routes import these, not app.ts, so the app
 * and its routes do not import each other.
 */
import type { ChangeFeedStore } from '../core/change-feed.ts';
import type { ConnectorService } from '../core/connector-service.ts';
import type { SubjectAccessEntry } from '../core/decision-store.ts';
import type { Signer } from '../core/ports.ts';
import type { ReverificationOperations } from '../core/reverification-worker.ts';
import type { TransparencyLog } from '../core/transparency-log.ts';
import type { VerificationService } from '../core/verification-service.ts';
import type { WebhookService } from '../core/webhooks.ts';
import type { AuthVariables, BearerJwtOptions } from './auth.ts';

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
}

export type AppEnv = { Variables: AuthVariables };
