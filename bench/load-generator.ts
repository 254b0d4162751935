import { randomUUID } from 'node:crypto'
import { Agent, request as httpRequest } from 'node:http'
import { performance } from 'node:perf_hooks'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { PhaseRequest, PhaseResult, Workload } from './messages.js'
import { type BenchWorldSize, buyerCredential, customerIdentifier, REGION, SAAS_DIMENSIONS, SELLER } from './world.js'

/**
 * The load generator, a child process of its own so its CPU (SigV4 signing, JSON) is not billed
 * to the server. For each 'run' message it keeps `concurrency` requests in flight over a
 * keep-alive agent for `seconds`, signing every request just before it is sent, and answers
 * with a PhaseResult. One process serves all phases so it remembers every MeteringRecordId
 * meterd has answered with, which is how it tells new records from replays.
 */
const HOUR_MS = 3_600_000
const BATCH_SIZE = 25
/** MeterUsage takes timestamps up to 6 h old; hours 0..5 back from now are always inside. */
const METER_HOURS = 6

// @smithy/hash-node exports a generic Hash; SHA-256 is the algorithm bound in, as the AWS SDK does.
const Sha256 = Hash.bind(null, 'sha256')
const signers = new Map<string, SignatureV4>()
function signerFor(credentials: { accessKeyId: string; secretAccessKey: string }): SignatureV4 {
  let signer = signers.get(credentials.accessKeyId)
  if (!signer) {
    signer = new SignatureV4({ credentials, region: REGION, service: 'aws-marketplace', sha256: Sha256 })
    signers.set(credentials.accessKeyId, signer)
  }
  return signer
}

/** Each (workload, target) walks its own sequence of usage slots, so baseline and meterd get alike requests. */
const cursors = new Map<string, number>()
const seenIds = new Set<string>()

interface Call {
  target: string
  credentials: { accessKeyId: string; secretAccessKey: string }
  body: string
  records: number
}

/**
 * Usage `hoursBack` hours before now, 1 s early so it is never in the future; its hour is the slot.
 * The quantity is a function of the slot, so revisiting a slot is an idempotent replay, never a
 * DuplicateRequestException/DuplicateRecord.
 */
function usageAt(nowMs: number, hoursBack: number, salt: number): { seconds: number; quantity: number } {
  const ms = nowMs - hoursBack * HOUR_MS - 1000
  const hour = Math.floor(ms / HOUR_MS)
  return { seconds: Math.floor(ms / 1000), quantity: 1 + ((salt + hour) % 97) }
}

/** BatchMeterUsage takes the last 24 h, but not a closed month once its 6 h grace is over. */
function batchHours(nowMs: number): number {
  const d = new Date(nowMs)
  const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
  if (nowMs < monthStart + 6 * HOUR_MS) return 24
  return Math.min(24, Math.floor((nowMs - monthStart - 1000) / HOUR_MS) + 1)
}

function nextCall(workload: Workload, cursorKey: string, size: BenchWorldSize): Call {
  const i = cursors.get(cursorKey) ?? 0
  cursors.set(cursorKey, i + 1)
  const now = Date.now()
  if (workload === 'MeterUsage') {
    // Slot i: buyer i % buyers (its own resourceId), then the next hour back once all buyers had one.
    const buyer = i % size.buyers
    const { seconds, quantity } = usageAt(now, Math.floor(i / size.buyers) % METER_HOURS, buyer)
    const { accessKeyId, secretAccessKey } = buyerCredential(buyer)
    return {
      target: 'AWSMPMeteringService.MeterUsage',
      credentials: { accessKeyId, secretAccessKey },
      // A fresh ClientToken per call, as the AWS SDKs send.
      body: JSON.stringify({
        ProductCode: 'demo-ami',
        Timestamp: seconds,
        UsageDimension: 'hosts',
        UsageQuantity: quantity,
        ClientToken: randomUUID(),
      }),
      records: 1,
    }
  }
  // Record j: customer j % customers, then the other dimension, then the next hour back.
  const hours = batchHours(now)
  const UsageRecords = Array.from({ length: BATCH_SIZE }, (_, k) => {
    const j = i * BATCH_SIZE + k
    const customer = j % size.customers
    const round = Math.floor(j / size.customers)
    const dimension = round % SAAS_DIMENSIONS.length
    const { seconds, quantity } = usageAt(now, Math.floor(round / SAAS_DIMENSIONS.length) % hours, customer + dimension)
    return {
      Timestamp: seconds,
      CustomerIdentifier: customerIdentifier(customer),
      Dimension: SAAS_DIMENSIONS[dimension],
      Quantity: quantity,
    }
  })
  return {
    target: 'AWSMPMeteringService.BatchMeterUsage',
    credentials: SELLER,
    body: JSON.stringify({ ProductCode: 'demo-saas', UsageRecords }),
    records: BATCH_SIZE,
  }
}

interface Answer {
  status: number
  body: string
  /** False when the request had to open a connection: with keep-alive that is the first request per socket only. */
  reusedSocket: boolean
}

function post(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent, hostname: url.hostname, port: url.port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), reusedSocket: req.reusedSocket }),
      )
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

async function runPhase(phase: PhaseRequest): Promise<PhaseResult> {
  const url = new URL(phase.url)
  const agent = new Agent({ keepAlive: true, maxSockets: phase.concurrency })
  const cursorKey = `${phase.workload}@${phase.target}`
  const latencies: number[] = []
  const result: PhaseResult = {
    workload: phase.workload,
    target: phase.target,
    requests: 0,
    records: 0,
    seconds: 0,
    p50Ms: 0,
    p99Ms: 0,
    errors: 0,
    created: 0,
    replayed: 0,
    clientCpu: 0,
    connections: 0,
    statuses: {},
  }
  const fail = (sample: string) => {
    result.errors++
    result.errorSample ??= sample
  }
  const countId = (id: string | undefined) => {
    if (!id) return fail('answer without MeteringRecordId')
    if (seenIds.has(id)) result.replayed++
    else {
      seenIds.add(id)
      result.created++
    }
  }

  const cpu = process.cpuUsage()
  const start = performance.now()
  const deadline = start + phase.seconds * 1000
  let end = start
  const worker = async () => {
    while (performance.now() < deadline) {
      const call = nextCall(phase.workload, cursorKey, phase.size)
      const signed = await signerFor(call.credentials).sign({
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: {},
        headers: {
          host: url.host,
          'content-type': 'application/x-amz-json-1.1',
          'content-length': String(Buffer.byteLength(call.body)),
          'x-amz-target': call.target,
        },
        body: call.body,
      })
      const t0 = performance.now() // latency is the server's share: signing is done
      let answer: Answer
      try {
        answer = await post(agent, url, signed.headers, call.body)
      } catch (error) {
        fail(`transport: ${(error as Error).message}`)
        continue
      }
      end = performance.now()
      if (!answer.reusedSocket) result.connections++
      // Only 200s count as throughput: a fast error (say ThrottlingException) is no work done.
      if (answer.status !== 200) {
        fail(`HTTP ${answer.status} ${answer.body.slice(0, 300)}`)
        continue
      }
      latencies.push(end - t0)
      result.requests++
      result.records += call.records
      if (phase.target !== 'meterd') continue
      const output = JSON.parse(answer.body)
      if (phase.workload === 'MeterUsage') countId(output.MeteringRecordId)
      else {
        for (const r of output.Results ?? []) {
          result.statuses[r.Status] = (result.statuses[r.Status] ?? 0) + 1
          countId(r.MeteringRecordId)
        }
        if (output.Results?.length !== call.records) fail(`${output.Results?.length ?? 0} Results for ${call.records} records`)
        if (output.UnprocessedRecords?.length) fail(`${output.UnprocessedRecords.length} UnprocessedRecords`)
      }
    }
  }
  await Promise.all(Array.from({ length: phase.concurrency }, worker))
  agent.destroy()

  result.seconds = (end - start) / 1000
  const used = process.cpuUsage(cpu)
  result.clientCpu = (used.user + used.system) / 1e6 / ((performance.now() - start) / 1000)
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0
  result.p50Ms = pct(0.5)
  result.p99Ms = pct(0.99)
  return result
}

process.on('message', (message: PhaseRequest | { type: 'stop' }) => {
  if (message.type === 'stop') process.exit(0)
  else void runPhase(message).then((result) => process.send!({ type: 'result', result }))
})
process.send!({ type: 'ready' })
