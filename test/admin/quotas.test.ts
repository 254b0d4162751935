import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  type MarketplaceMeteringClient,
  MeterUsageCommand,
  RegisterUsageCommand,
} from '@aws-sdk/client-marketplace-metering'
import type { AdminClient } from '../../src/admin/admin-client.js'
import { DEMO_LICENSE_ARN, DEMO_WORLD } from '../../src/catalog/demo-world.js'
import type { WorldInput } from '../../src/catalog/world.js'
import { BUYER, CUSTOMER, errorOf, hourAgo, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, assertAdminError, eventually, requestIdOf } from './support.js'

/** The real clock underneath meterd, pinned: the token buckets refill only when the test moves it. */
const NOW = Date.UTC(2026, 10, 22, 12, 30)
const AWS_RATES = { BatchMeterUsage: 10, MeterUsage: 10, RegisterUsage: 5 }
const OTHER_BUYER = { accessKeyId: 'AKIAOTHERBUYER000001', secretAccessKey: 'other-buyer-secret' }
const WORLD: WorldInput = {
  ...DEMO_WORLD,
  accounts: [
    ...DEMO_WORLD.accounts!,
    { id: '333333333333', credentials: [{ ...OTHER_BUYER, region: 'us-east-1', resourceId: 'i-other' }] },
  ],
  customers: [...DEMO_WORLD.customers!, { identifier: 'other-customer', accountId: '333333333333' }],
  licenses: [
    ...DEMO_WORLD.licenses!,
    {
      arn: DEMO_LICENSE_ARN.replace('222222222222', '333333333333'),
      customer: 'other-customer',
      product: 'demo-ami',
      start: '2020-01-01T00:00:00Z',
    },
  ],
}

type Outcome = 'ok' | 'throttled'
/** Runs `call` n times one after another and tells which were throttled (other errors fail the test). */
async function outcomes(n: number, call: () => Promise<unknown>): Promise<Outcome[]> {
  const out: Outcome[] = []
  for (let i = 0; i < n; i++) {
    try {
      await call()
      out.push('ok')
    } catch (error) {
      const e = error as Error & { $metadata?: { httpStatusCode?: number } }
      assert.deepEqual([e.name, e.message, e.$metadata?.httpStatusCode], ['ThrottlingException', 'Rate exceeded', 400])
      out.push('throttled')
    }
  }
  return out
}
const times = (n: number, outcome: Outcome) => Array<Outcome>(n).fill(outcome)

describe('admin API: request quotas (token buckets on a pinned real clock)', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  let buyer: MarketplaceMeteringClient
  const meter = (client: MarketplaceMeteringClient = buyer) =>
    client.send(
      new MeterUsageCommand({
        ProductCode: 'demo-ami',
        Timestamp: new Date(NOW - 3600_000),
        UsageDimension: 'hosts',
        UsageQuantity: 1,
      }),
    )

  before(async () => {
    meterd = await startMeterd({ nowMs: NOW, world: WORLD, quotas: { enabled: true, rates: { ...AWS_RATES } } })
    admin = adminOf(meterd)
    buyer = meterd.client({ ...BUYER })
  })
  after(() => meterd.close())

  it('shows the quotas AWS publishes with GET /admin/quotas', async () => {
    assert.deepEqual(await admin.quotas(), { enabled: true, rates: AWS_RATES })
  })

  it('lets 10 MeterUsage calls of one account through and throttles the 11th with ThrottlingException "Rate exceeded" (HTTP 400)', async () => {
    assert.deepEqual(await outcomes(11, () => meter()), [...times(10, 'ok'), 'throttled'])
    const e = await errorOf(() => meter())
    assert.equal(e.$fault, 'client')
    const event = (
      await eventually(
        () => admin.listAudit({ errorCode: 'ThrottlingException' }),
        (p) => p.events.some((x) => x.requestID === requestIdOf(e)),
      )
    ).events.find((x) => x.requestID === requestIdOf(e))!
    assert.deepEqual([event.eventName, event.injectedFault, event.httpStatus], ['MeterUsage', 'quota', 400])
  })

  it('keeps one bucket per account and Region: another account, or the same account in another Region, is not throttled', async () => {
    assert.deepEqual(await outcomes(3, () => meter(meterd.client({ ...OTHER_BUYER }))), times(3, 'ok'))
    // Past the quota in eu-west-1 too, the call gets as far as the Region check.
    const elsewhere = await errorOf(() => meter(meterd.client({ ...BUYER }, 'eu-west-1')))
    assert.equal(elsewhere.name, 'InvalidEndpointRegionException')
    assert.equal((await errorOf(() => meter())).name, 'ThrottlingException')
  })

  it('refills at the rate: 100 ms gives one call, a long pause no more than one second of calls', async () => {
    meterd.clock!.advance(100)
    assert.deepEqual(await outcomes(2, () => meter()), ['ok', 'throttled'])
    meterd.clock!.advance(60_000)
    assert.deepEqual(await outcomes(11, () => meter()), [...times(10, 'ok'), 'throttled'])
  })

  it('throttles RegisterUsage past 5 calls and BatchMeterUsage past 10, marking the audit events with injectedFault quota', async () => {
    const register = () => buyer.send(new RegisterUsageCommand({ ProductCode: 'demo-container', PublicKeyVersion: 1 }))
    assert.deepEqual(await outcomes(6, register), [...times(5, 'ok'), 'throttled'])
    const seller = meterd.client({ ...SELLER })
    const batch = () =>
      seller.send(
        new BatchMeterUsageCommand({
          ProductCode: 'demo-saas',
          UsageRecords: [{ Timestamp: new Date(NOW - 3600_000), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1 }],
        }),
      )
    assert.deepEqual(await outcomes(11, batch), [...times(10, 'ok'), 'throttled'])
    const quota = await eventually(
      () => admin.listAudit({ injected: true, limit: 100 }),
      (p) => p.events.some((e) => e.eventName === 'BatchMeterUsage'),
    )
    assert.deepEqual(new Set(quota.events.map((e) => e.injectedFault)), new Set(['quota']))
    assert.deepEqual(
      quota.events.map((e) => e.eventName).filter((n) => n !== 'MeterUsage'),
      ['RegisterUsage', 'BatchMeterUsage'],
    )
  })

  it('stops throttling when PUT /admin/quotas switches quotas off, and applies new rates at once when switched on', async () => {
    assert.equal((await errorOf(() => meter())).name, 'ThrottlingException')
    assert.deepEqual(await admin.setQuotas({ enabled: false, rates: AWS_RATES }), { enabled: false, rates: AWS_RATES })
    assert.deepEqual(await outcomes(25, () => meter()), times(25, 'ok'))
    const slow = { ...AWS_RATES, MeterUsage: 2 }
    assert.deepEqual(await admin.setQuotas({ enabled: true, rates: slow }), { enabled: true, rates: slow })
    assert.deepEqual(await outcomes(3, () => meter()), ['ok', 'ok', 'throttled'])
    assert.deepEqual(await admin.quotas(), { enabled: true, rates: slow })
    // An operation without a rate is not limited.
    const noRegisterRate = { BatchMeterUsage: 10, MeterUsage: 10 }
    await admin.setQuotas({ enabled: true, rates: noRegisterRate })
    assert.deepEqual(
      await outcomes(8, () => buyer.send(new RegisterUsageCommand({ ProductCode: 'demo-container', PublicKeyVersion: 1 }))),
      times(8, 'ok'),
    )
    await admin.setQuotas({ enabled: true, rates: AWS_RATES })
  })

  it('answers 400 BadRequest naming the field for bad quota settings, and keeps the settings', async () => {
    const bad = (body: unknown, message: string) =>
      assertAdminError(() => admin.request('PUT', '/quotas', body), 400, 'BadRequest', message)
    await bad({ enabled: 'yes', rates: {} }, 'enabled: Invalid input: expected boolean, received string')
    await bad({ enabled: true }, 'rates: Invalid input: expected object, received undefined')
    await bad({ enabled: true, rates: { MeterUsage: 0 } }, 'rates.MeterUsage: Too small: expected number to be >0')
    await bad({ enabled: true, rates: { MeterUsage: 'fast' } }, 'rates.MeterUsage: Invalid input: expected number, received string')
    await bad({ enabled: true, rates: { Nope: 1 } }, 'rates: Unrecognized key: "Nope"')
    await bad({ enabled: true, rates: {}, burst: 5 }, 'body: Unrecognized key: "burst"')
    assert.deepEqual(await admin.quotas(), { enabled: true, rates: AWS_RATES })
  })

  it('keeps the quota settings across a restart', async () => {
    await admin.setQuotas({ enabled: false, rates: { ...AWS_RATES, BatchMeterUsage: 50 } })
    await meterd.restart()
    assert.deepEqual(await adminOf(meterd).quotas(), { enabled: false, rates: { ...AWS_RATES, BatchMeterUsage: 50 } })
  })
})

describe('request quotas on the real clock', () => {
  it('throttles a burst of 20 MeterUsage calls past the bucket, and a call a moment later passes again', async () => {
    const meterd = await startMeterd({ quotas: { enabled: true, rates: { ...AWS_RATES } } })
    try {
      const buyer = meterd.client({ ...BUYER })
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () =>
          buyer.send(
            new MeterUsageCommand({
              ProductCode: 'demo-ami',
              Timestamp: hourAgo(1),
              UsageDimension: 'hosts',
              UsageQuantity: 1,
            }),
          ),
        ),
      )
      const throttled = results.filter((r) => r.status === 'rejected')
      assert.ok(results.filter((r) => r.status === 'fulfilled').length >= 10)
      assert.ok(throttled.length >= 1, 'at least one call of the burst is throttled')
      for (const r of throttled) assert.equal((r.reason as Error).name, 'ThrottlingException')
      await new Promise((resolve) => setTimeout(resolve, 150)) // 1.5 tokens at 10 per second
      assert.match(
        (
          await buyer.send(
            new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: hourAgo(1), UsageDimension: 'hosts', UsageQuantity: 1 }),
          )
        ).MeteringRecordId!,
        /^[0-9a-f-]{36}$/,
      )
    } finally {
      await meterd.close()
    }
  })
})
