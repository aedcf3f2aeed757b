/**
 * Prometheus metrics for the Node runtime: one registry, created once. Labels are route
 * templates, steps and outcomes only: nothing personal can reach a label.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { VerificationStep } from '../../core/verification-service.ts';
import type { HttpMetrics } from '../../http/app-deps.ts';

export interface GatewayMetrics extends HttpMetrics {
  observeStep(step: VerificationStep, seconds: number): void;
  /** Reads a value at scrape time (e.g. the log size). */
  gauge(name: string, help: string, read: () => number): void;
  /** Labelled values read at scrape time (e.g. the indicators); series not answered are dropped. */
  labelledGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: () => Promise<readonly { readonly labels: Readonly<Record<L, string>>; readonly value: number }[]>,
  ): void;
  /** A counter with fixed label names (codes and results only, never personal values). */
  counter<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
  ): { inc(labels: Readonly<Record<L, string>>): void };
}

/** @example const metrics = createPrometheusMetrics(); metrics.observeStep('policy', 0.0004); */
export function createPrometheusMetrics(): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'egw_process_' });
  const requests = new Histogram({
    name: 'egw_http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const steps = new Histogram({
    name: 'egw_verification_step_duration_seconds',
    help: 'Time spent in each step of a verification',
    labelNames: ['step'],
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [registry],
  });
  const errors = new Counter({
    name: 'egw_http_errors_total',
    help: 'Responses with status ≥ 500',
    labelNames: ['route'],
    registers: [registry],
  });
  return {
    observeRequest(route, method, status, seconds) {
      requests.observe({ route, method, status: String(status) }, seconds);
      if (status >= 500) errors.inc({ route });
    },
    observeStep: (step, seconds) => steps.observe({ step }, seconds),
    gauge(name, help, read) {
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(read());
        },
      });
    },
    labelledGauge(name, help, labelNames, read) {
      new Gauge({
        name,
        help,
        labelNames: [...labelNames],
        registers: [registry],
        async collect() {
          const values = await read();
          this.reset();
          for (const { labels, value } of values) this.set(labels, value);
        },
      });
    },
    counter(name, help, labelNames) {
      const counter = new Counter({ name, help, labelNames: [...labelNames], registers: [registry] });
      return { inc: (labels) => counter.inc(labels) };
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
