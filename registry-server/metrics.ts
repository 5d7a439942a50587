/**
 * Prometheus metrics on a registry of our own (not prom-client's global one, so two servers in
 * one test process do not collide): requests by route and status, latency by route, storage
 * errors by operation, plus the process defaults.
 */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics a server instance updates. */
export interface ServerMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
  storageErrors: Counter<'operation'>;
}

/** Creates the metric set of one server. */
export function createMetrics(): ServerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stackanetes_registry_' });
  return {
    registry,
    requests: new Counter({
      name: 'stackanetes_registry_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'stackanetes_registry_http_request_duration_seconds',
      help: 'Time from request start to the end of the response, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    storageErrors: new Counter({
      name: 'stackanetes_registry_storage_errors_total',
      help: 'Storage operations that failed with an unexpected error, by operation',
      labelNames: ['operation'],
      registers: [registry],
    }),
  };
}
