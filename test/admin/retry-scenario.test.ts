import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  type BatchMeterUsageCommandOutput,
  MarketplaceMeteringClient,
  type UsageRecord,
  type UsageRecordResult,
} from '@aws-sdk/client-marketplace-metering'
import type { AdminClient } from '../../src/admin/admin-client.js'
import { DEMO_WORLD } from '../../src/catalog/demo-world.js'
import { midMonthHourAgo, MID_MONTH_MS, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, eventually } from './support.js'

const CUSTOMERS = ['retry-0', 'retry-1', 'retry-2', 'retry-3', 'retry-4']
const HOURS = 20

/**
 * A seller's metering job as AWS tells sellers to write it: the SDK retries throttling and 5xx
 * answers itself; the job resubmits whatever comes back in UnprocessedRecords until nothing does.
 */
async function reportUsage(
  client: MarketplaceMeteringClient,
  records: UsageRecord[],
): Promise<{ results: UsageRecordResult[]; answers: BatchMeterUsageCommandOutput[] }> {
  const results: UsageRecordResult[] = []
  const answers: BatchMeterUsageCommandOutput[] = []
  for (let i = 0; i < records.length; i += 25) {
    let pending = records.slice(i, i + 25)
    for (let round = 0; pending.length > 0; round++) {
      assert.ok(round < 10, 'records still unprocessed after 10 rounds')
      const out = await client.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: pending }))
      answers.push(out)
      results.push(...out.Results!)
      pending = out.UnprocessedRecords ?? []
    }
  }
  return { results, answers }
}

describe('retry scenario: a JS SDK client meets injected throttling and unprocessed records', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  let client: MarketplaceMeteringClient
  let throttleId: string
  let unprocessedId: string
  let outcome: Awaited<ReturnType<typeof reportUsage>>
  const records: UsageRecord[] = CUSTOMERS.flatMap((customer, c) =>
    Array.from({ length: HOURS }, (_, h) => ({
      CustomerIdentifier: customer,
      Dimension: 'users',
      Quantity: c * 100 + h + 1,
      Timestamp: midMonthHourAgo(h + 1, c),
    })),
  )

  before(async () => {
    meterd = await startMeterd({
      nowMs: MID_MONTH_MS,
      world: {
        ...DEMO_WORLD,
        accounts: [...DEMO_WORLD.accounts!, { id: '555555555555' }],
        customers: [...DEMO_WORLD.customers!, ...CUSTOMERS.map((identifier) => ({ identifier, accountId: '555555555555' }))],
        licenses: [
          ...DEMO_WORLD.licenses!,
          ...CUSTOMERS.map((customer, i) => ({
            arn: `arn:aws:license-manager::555555555555:license/l-retry${i}`,
            customer,
            product: 'demo-saas',
            start: '2020-01-01T00:00:00Z',
          })),
        ],
      },
    })
    admin = adminOf(meterd)
    throttleId = (await admin.addFault({ operation: 'BatchMeterUsage', error: 'ThrottlingException', times: 3 })).id
    unprocessedId = (await admin.addFault({ operation: 'BatchMeterUsage', unprocessedShare: 0.2, times: 2 })).id
    // The SDK's own retry strategy: standard mode, up to 5 attempts per call.
    client = new MarketplaceMeteringClient({
      endpoint: meterd.url,
      region: 'us-east-1',
      credentials: { ...SELLER },
      maxAttempts: 5,
      retryMode: 'standard',
    })
    outcome = await reportUsage(client, records)
  })
  after(async () => {
    client.destroy()
    await meterd.close()
  })

  it('gets a Success result for each of the 100 records, each once', () => {
    assert.equal(outcome.results.length, 100)
    assert.deepEqual(new Set(outcome.results.map((r) => r.Status)), new Set(['Success']))
    assert.equal(new Set(outcome.results.map((r) => r.MeteringRecordId)).size, 100)
    assert.deepEqual(
      outcome.results.map((r) => r.UsageRecord!.Quantity).sort((a, b) => a! - b!),
      records.map((r) => r.Quantity).sort((a, b) => a! - b!),
    )
  })

  it('needed the SDK retries and the resubmission loop: the first call took 4 attempts, then 5 and 1 records came back unprocessed', () => {
    assert.equal(outcome.answers[0]!.$metadata.attempts, 4) // three throttled attempts, then an answer
    assert.ok(outcome.answers[0]!.$metadata.totalRetryDelay! > 0)
    assert.deepEqual(
      outcome.answers.map((a) => a.UnprocessedRecords!.length),
      [5, 1, 0, 0, 0, 0],
    ) // ceil(25 × 0.2), then ceil(5 × 0.2)
    assert.deepEqual(
      outcome.answers.map((a) => a.$metadata.attempts),
      [4, 1, 1, 1, 1, 1],
    )
    assert.deepEqual(outcome.answers[0]!.UnprocessedRecords, records.slice(20, 25))
  })

  it('leaves exactly 100 Success records for those customers in the ledger, each once', async () => {
    const stored = (await admin.listRecords({ productCode: 'demo-saas', limit: 1000 })).records.filter((r) =>
      CUSTOMERS.includes(r.customerIdentifier as string),
    ) as { meteringRecordId: string; status: string; quantity: number; customerIdentifier: string; hour: string }[]
    assert.equal(stored.length, 100)
    assert.deepEqual(new Set(stored.map((r) => r.status)), new Set(['Success']))
    assert.deepEqual(new Set(stored.map((r) => r.meteringRecordId)), new Set(outcome.results.map((r) => r.MeteringRecordId)))
    assert.equal(new Set(stored.map((r) => `${r.customerIdentifier} ${r.hour}`)).size, 100)
    for (const customer of CUSTOMERS) {
      assert.equal((await admin.listRecords({ customerIdentifier: customer, status: 'Success' })).records.length, HOURS)
    }
  })

  it('shows the throttled attempts and the partial answers in the audit trail', async () => {
    const events = (
      await eventually(
        () => admin.listAudit({ operation: 'BatchMeterUsage', limit: 100 }),
        (p) => p.events.length >= 9,
      )
    ).events
    assert.deepEqual(
      events.map((e) => [e.errorCode, e.injectedFault]),
      [
        ['ThrottlingException', `fault:${throttleId}`],
        ['ThrottlingException', `fault:${throttleId}`],
        ['ThrottlingException', `fault:${throttleId}`],
        [null, `fault:${unprocessedId}`],
        [null, `fault:${unprocessedId}`],
        [null, null],
        [null, null],
        [null, null],
        [null, null],
      ],
    )
    const unprocessed = events.map(
      (e) => (e.responseElements as { UnprocessedRecords?: unknown[] } | null)?.UnprocessedRecords?.length ?? null,
    )
    assert.deepEqual(unprocessed, [null, null, null, 5, 1, 0, 0, 0, 0])
    assert.deepEqual((await admin.listFaults()).rules, [])
  })
})
