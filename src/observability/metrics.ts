import { Counter, Gauge, Histogram, Registry } from 'prom-client'

/** Prometheus metrics of one meterd process, served at /metrics. */
export interface Metrics {
  registry: Registry
  observeCall(operation: string, outcome: string, durationMs: number): void
  observeRecords(status: string, count: number): void
  observeCommit(jobs: number): void
}

export function createMetrics(countRecords: () => Promise<number>): Metrics {
  const registry = new Registry()
  const requests = new Counter({
    name: 'meterd_aws_requests_total',
    help: 'AWS API calls by operation and outcome (Success or the error code)',
    labelNames: ['operation', 'outcome'] as const,
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'meterd_aws_request_duration_seconds',
    help: 'Time to answer an AWS API call',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  })
  const records = new Counter({
    name: 'meterd_usage_records_total',
    help: 'Usage records answered, by status (Success, CustomerNotSubscribed, DuplicateRecord, Unprocessed)',
    labelNames: ['status'] as const,
    registers: [registry],
  })
  const commits = new Histogram({
    name: 'meterd_ledger_commit_batch_size',
    help: 'Ledger writes sharing one commit (group commit; SQLite: usage writes and audit batches, PostgreSQL: requests merged into one usage transaction)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers: [registry],
  })
  new Gauge({
    name: 'meterd_ledger_records',
    help: 'Usage records stored in the ledger',
    registers: [registry],
    async collect() {
      this.set(await countRecords())
    },
  })
  return {
    registry,
    observeCall(operation, outcome, durationMs) {
      requests.inc({ operation, outcome })
      latency.observe({ operation }, durationMs / 1000)
    },
    observeRecords: (status, count) => records.inc({ status }, count),
    observeCommit: (jobs) => commits.observe(jobs),
  }
}
