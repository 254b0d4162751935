/** What the bench processes say to each other over IPC. */
import type { BenchWorldSize } from './world.js'

export type Workload = 'MeterUsage' | 'BatchMeterUsage'
export type Target = 'baseline' | 'meterd'

/** Parent → load generator: run one phase and answer with a PhaseResult. */
export interface PhaseRequest {
  type: 'run'
  workload: Workload
  target: Target
  url: string
  seconds: number
  concurrency: number
  size: BenchWorldSize
}

export interface PhaseResult {
  workload: Workload
  target: Target
  /** Requests answered with HTTP 200; latencies are of these. */
  requests: number
  /** Usage records in those requests (1 per MeterUsage, 25 per BatchMeterUsage). */
  records: number
  seconds: number
  p50Ms: number
  p99Ms: number
  /** Non-200 answers and transport failures. */
  errors: number
  errorSample?: string
  /** meterd only: MeteringRecordIds never seen before (new ledger rows) and ones seen again. */
  created: number
  replayed: number
  /** TCP connections opened; keep-alive keeps this at `concurrency`. */
  connections: number
  /** CPU the load generator used, as a share of one core: near 100% means the client, not the server, set the pace. */
  clientCpu: number
  /** meterd only: BatchMeterUsage results by Status. */
  statuses: Record<string, number>
}

/** meterd process → parent: what the server did during a phase. */
export interface ServerStats {
  /** Busy share of meterd's main event loop (single-process modes). */
  eventLoopUtilization?: number
  /** From meterd's /metrics: ledger commits, and the requests that shared them (group commit). */
  commits: number
  jobs: number
}
