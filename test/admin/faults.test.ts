import assert from 'node:assert/strict'
import { after, afterEach, before, describe, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  type MarketplaceMeteringClient,
  MeterUsageCommand,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering'
import type { AdminClient } from '../../src/admin/admin-client.js'
import { DEMO_LICENSE_ARN, DEMO_WORLD } from '../../src/catalog/demo-world.js'
import { BUYER, CUSTOMER, errorOf, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, assertAdminError, eventually, iso, requestIdOf } from './support.js'

const HOUR = 3600_000
/** The real clock underneath meterd, pinned: fault time spans are measured on it. */
const NOW = Date.UTC(2026, 10, 22, 12, 30)
const OTHER_BUYER = { accessKeyId: 'AKIAOTHERBUYER000001', secretAccessKey: 'other-buyer-secret' }
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const FAULT_CUSTOMERS = [CUSTOMER, 'fault-c1', 'fault-c2', 'fault-c3', 'fault-c4']
const INTERNAL_ERROR =
  'An internal error has occurred. Retry your request. If the problem persists, post a message with details on the AWS forums.'

describe('admin API: fault injection', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  let seller: MarketplaceMeteringClient
  let buyer: MarketplaceMeteringClient
  let otherBuyer: MarketplaceMeteringClient
  /** Each record gets a (customer, hour) slot of its own, so none is a replay or a duplicate of another. */
  let slot = 0
  const fresh = (): UsageRecord => {
    slot++
    const hourStart = Math.floor(NOW / HOUR) * HOUR
    return {
      CustomerIdentifier: FAULT_CUSTOMERS[Math.floor(slot / 22)]!,
      Dimension: 'users',
      Quantity: slot,
      Timestamp: new Date(hourStart - (1 + (slot % 22)) * HOUR + 60_000),
    }
  }
  const batch = (records: UsageRecord[] = [fresh()], productCode = 'demo-saas') =>
    seller.send(new BatchMeterUsageCommand({ ProductCode: productCode, UsageRecords: records }))
  const meter = (client = buyer, productCode = 'demo-ami') =>
    client.send(
      new MeterUsageCommand({
        ProductCode: productCode,
        Timestamp: new Date(NOW - HOUR),
        UsageDimension: productCode === 'demo-ami' ? 'hosts' : 'vcpu_hours',
        UsageQuantity: 1,
      }),
    )
  const auditOf = async (requestId: string) => {
    const page = await eventually(
      () => meterd.admin('GET', '/audit?limit=1000'),
      (r) => r.body.events.some((e: { requestID: string }) => e.requestID === requestId),
    )
    return page.body.events.find((e: { requestID: string }) => e.requestID === requestId)
  }

  before(async () => {
    meterd = await startMeterd({
      nowMs: NOW,
      world: {
        ...DEMO_WORLD,
        accounts: [
          ...DEMO_WORLD.accounts!,
          { id: '333333333333', credentials: [{ ...OTHER_BUYER, region: 'us-east-1', resourceId: 'i-other' }] },
        ],
        customers: [
          ...DEMO_WORLD.customers!,
          { identifier: 'other-customer', accountId: '333333333333' },
          ...FAULT_CUSTOMERS.slice(1).map((identifier) => ({ identifier, accountId: '444444444444' })),
        ],
        licenses: [
          ...DEMO_WORLD.licenses!,
          {
            arn: DEMO_LICENSE_ARN.replace('222222222222', '333333333333'),
            customer: 'other-customer',
            product: 'demo-ami',
            start: '2020-01-01T00:00:00Z',
          },
          ...FAULT_CUSTOMERS.slice(1).map((customer, i) => ({
            arn: `arn:aws:license-manager::444444444444:license/l-fault${i}`,
            customer,
            product: 'demo-saas',
            start: '2020-01-01T00:00:00Z',
          })),
        ],
      },
    })
    admin = adminOf(meterd)
    seller = meterd.client({ ...SELLER })
    buyer = meterd.client({ ...BUYER })
    otherBuyer = meterd.client({ ...OTHER_BUYER })
  })
  afterEach(async () => {
    await admin.clearFaults()
  })
  after(() => meterd.close())

  it('throttles exactly the next 2 calls with times: 2, then lets calls through; the spent rule leaves GET /admin/faults', async () => {
    const rule = await admin.addFault({ operation: 'BatchMeterUsage', error: 'ThrottlingException', times: 2 })
    assert.match(rule.id, UUID)
    assert.deepEqual(rule, {
      operation: 'BatchMeterUsage',
      error: 'ThrottlingException',
      times: 2,
      id: rule.id,
      createdAt: iso(NOW),
      remaining: 2,
    })
    assert.deepEqual((await admin.listFaults()).rules, [rule])

    const first = await errorOf(() => batch())
    assert.deepEqual(
      [first.name, first.message, first.$metadata?.httpStatusCode, first.$fault],
      ['ThrottlingException', 'Rate exceeded', 400, 'client'],
    )
    assert.deepEqual(
      (await admin.listFaults()).rules.map((r) => r.remaining),
      [1],
    )
    assert.equal((await errorOf(() => batch())).name, 'ThrottlingException')
    assert.equal((await batch()).Results![0]!.Status, 'Success')
    assert.equal((await batch()).Results![0]!.Status, 'Success')
    assert.deepEqual((await admin.listFaults()).rules, [])

    const third = await auditOf(requestIdOf(await batch()))
    assert.equal(third.injectedFault, null)
    const injected = await eventually(
      () => admin.listAudit({ injected: true, operation: 'BatchMeterUsage' }),
      (p) => p.events.length >= 2,
    )
    assert.deepEqual(
      injected.events.map((e) => [e.errorCode, e.injectedFault]),
      [
        ['ThrottlingException', `fault:${rule.id}`],
        ['ThrottlingException', `fault:${rule.id}`],
      ],
    )
  })

  it('answers InternalServiceErrorException with HTTP 500 and $fault server', async () => {
    const rule = await admin.addFault({ operation: 'MeterUsage', error: 'InternalServiceErrorException', times: 1 })
    const e = await errorOf(() => meter())
    assert.deepEqual(
      [e.name, e.message, e.$metadata?.httpStatusCode, e.$fault],
      ['InternalServiceErrorException', INTERNAL_ERROR, 500, 'server'],
    )
    assert.equal((await auditOf(requestIdOf(e))).injectedFault, `fault:${rule.id}`)
    assert.match((await meter()).MeteringRecordId!, UUID)
  })

  it('returns the last records of a batch in UnprocessedRecords with unprocessedShare, and does not record them', async () => {
    const rule = await admin.addFault({ operation: 'BatchMeterUsage', unprocessedShare: 0.4, times: 1 })
    const records = [fresh(), fresh(), fresh(), fresh(), fresh()]
    const out = await batch(records)
    assert.deepEqual(
      out.Results!.map((r) => r.UsageRecord),
      records.slice(0, 3),
    )
    assert.deepEqual(
      out.Results!.map((r) => r.Status),
      ['Success', 'Success', 'Success'],
    )
    assert.deepEqual(out.UnprocessedRecords, records.slice(3)) // ceil(5 × 0.4) = 2
    assert.equal((await auditOf(out.$metadata.requestId!)).injectedFault, `fault:${rule.id}`)

    const stored = async () => {
      const all = (await admin.listRecords({ limit: 1000 })).records as { quantity: number }[]
      return all
        .map((r) => r.quantity)
        .filter((q) => records.some((x) => x.Quantity === q))
        .sort((a, b) => a - b)
    }
    assert.deepEqual(
      await stored(),
      records.slice(0, 3).map((r) => r.Quantity),
    )
    const resent = await batch(out.UnprocessedRecords)
    assert.deepEqual([resent.Results!.map((r) => r.Status), resent.UnprocessedRecords], [['Success', 'Success'], []])
    assert.deepEqual(
      await stored(),
      records.map((r) => r.Quantity),
    )
  })

  it('leaves a whole batch unprocessed with unprocessedShare 1', async () => {
    await admin.addFault({ operation: 'BatchMeterUsage', unprocessedShare: 1, times: 1 })
    const records = [fresh(), fresh()]
    const out = await batch(records)
    assert.deepEqual([out.Results, out.UnprocessedRecords], [[], records])
  })

  it('delays the answer by latencyMs: the audit event lasted at least that long', async () => {
    const rule = await admin.addFault({ operation: 'MeterUsage', latencyMs: 250, times: 1 })
    const out = await meter()
    const event = await auditOf(out.$metadata.requestId!)
    assert.ok(event.durationMs >= 250, `durationMs ${event.durationMs}`)
    assert.deepEqual([event.errorCode, event.injectedFault], [null, `fault:${rule.id}`])
    assert.deepEqual((await admin.listFaults()).rules, [])
  })

  it('scopes a rule to an account: the other account is not affected', async () => {
    const rule = await admin.addFault({ operation: 'MeterUsage', accountId: '222222222222', error: 'ThrottlingException' })
    assert.equal((await errorOf(() => meter(buyer))).name, 'ThrottlingException')
    assert.equal((await errorOf(() => meter(buyer))).name, 'ThrottlingException')
    assert.match((await meter(otherBuyer)).MeteringRecordId!, UUID)
    assert.deepEqual(
      (await admin.listFaults()).rules.map((r) => [r.id, r.remaining]),
      [[rule.id, undefined]],
    ) // no count: stays
  })

  it('scopes a rule to a product, for one operation or for every operation (*)', async () => {
    await admin.addFault({ operation: 'BatchMeterUsage', productCode: 'another-product', error: 'ThrottlingException' })
    assert.equal((await batch()).Results![0]!.Status, 'Success')
    await admin.addFault({ operation: '*', productCode: 'demo-container', error: 'InternalServiceErrorException' })
    assert.equal((await errorOf(() => meter(buyer, 'demo-container'))).name, 'InternalServiceErrorException')
    assert.match((await meter(buyer, 'demo-ami')).MeteringRecordId!, UUID)
    assert.equal((await batch()).Results![0]!.Status, 'Success')
  })

  it('with probability 1 affects every matching call; a rule for another product affects none of them', async () => {
    await admin.addFault({ operation: 'MeterUsage', productCode: 'demo-ami', error: 'InternalServiceErrorException', probability: 1 })
    await admin.addFault({ operation: 'MeterUsage', productCode: 'demo-container', error: 'ThrottlingException', probability: 1 })
    for (let i = 0; i < 3; i++) assert.equal((await errorOf(() => meter(buyer, 'demo-ami'))).name, 'InternalServiceErrorException')
    await admin.clearFaults()
    await admin.addFault({ operation: 'BatchMeterUsage', error: 'ThrottlingException', probability: 1e-9 })
    for (let i = 0; i < 5; i++) assert.equal((await batch()).Results![0]!.Status, 'Success')
  })

  it('with forSeconds lasts that long on the real clock, then leaves GET /admin/faults and stops', async () => {
    const rule = await admin.addFault({ operation: 'MeterUsage', error: 'ThrottlingException', forSeconds: 30 })
    const start = meterd.clock!.nowMs()
    assert.equal(rule.expiresAt, iso(start + 30_000))
    assert.equal((await errorOf(() => meter())).name, 'ThrottlingException')
    meterd.clock!.advance(29_999)
    assert.deepEqual(
      (await admin.listFaults()).rules.map((r) => r.id),
      [rule.id],
    )
    assert.equal((await errorOf(() => meter())).name, 'ThrottlingException')
    meterd.clock!.advance(1)
    assert.deepEqual((await admin.listFaults()).rules, [])
    assert.match((await meter()).MeteringRecordId!, UUID)
  })

  it('applies an error rule and an unprocessed-records rule one after the other: a throttled call does not use up the other rule', async () => {
    const throttle = await admin.addFault({ operation: 'BatchMeterUsage', error: 'ThrottlingException', times: 1 })
    const unprocessed = await admin.addFault({ operation: 'BatchMeterUsage', unprocessedShare: 0.5, times: 1 })
    const throttled = await errorOf(() => batch())
    assert.equal(throttled.name, 'ThrottlingException')
    assert.equal((await auditOf(requestIdOf(throttled))).injectedFault, `fault:${throttle.id}`)
    const records = [fresh(), fresh()]
    const out = await batch(records)
    assert.deepEqual(out.UnprocessedRecords, records.slice(1))
    assert.equal((await auditOf(out.$metadata.requestId!)).injectedFault, `fault:${unprocessed.id}`)
    assert.deepEqual((await admin.listFaults()).rules, [])
  })

  it('adds latency on top of another rule: both rules are named in the audit trail', async () => {
    const slow = await admin.addFault({ operation: 'MeterUsage', latencyMs: 100, times: 1 })
    const failing = await admin.addFault({ operation: 'MeterUsage', error: 'ThrottlingException', times: 1 })
    const e = await errorOf(() => meter())
    const event = await auditOf(requestIdOf(e))
    assert.equal(event.injectedFault, `fault:${slow.id},${failing.id}`)
    assert.ok(event.durationMs >= 100, `durationMs ${event.durationMs}`)
  })

  it('removes one rule with DELETE /admin/faults/:id and all with DELETE /admin/faults', async () => {
    const a = await admin.addFault({ operation: 'MeterUsage', error: 'ThrottlingException' })
    const b = await admin.addFault({ operation: 'RegisterUsage', latencyMs: 10, times: 3 })
    assert.deepEqual(
      (await admin.listFaults()).rules.map((r) => r.id),
      [a.id, b.id],
    )
    assert.deepEqual(await admin.removeFault(a.id), { removed: a.id })
    assert.deepEqual(
      (await admin.listFaults()).rules.map((r) => r.id),
      [b.id],
    )
    assert.match((await meter()).MeteringRecordId!, UUID)
    await assertAdminError(() => admin.removeFault(a.id), 404, 'NotFound', `no fault rule ${a.id}`)
    await admin.addFault({ operation: 'ResolveCustomer', error: 'InternalServiceErrorException' })
    assert.deepEqual(await admin.clearFaults(), { removed: 2 })
    assert.deepEqual((await admin.listFaults()).rules, [])
    assert.deepEqual(await admin.clearFaults(), { removed: 0 })
  })

  it('answers 400 BadRequest naming the field for bad rules, and adds none', async () => {
    const bad = (rule: Record<string, unknown>, message: string) => assertAdminError(() => admin.addFault(rule), 400, 'BadRequest', message)
    await bad({ operation: 'MeterUsage' }, 'body: give error, unprocessedShare, entitlementsAnswer and/or latencyMs')
    await bad({ operation: 'MeterUsage', unprocessedShare: 0.5 }, 'unprocessedShare: only BatchMeterUsage has UnprocessedRecords')
    await bad(
      { operation: 'BatchMeterUsage', error: 'ThrottlingException', unprocessedShare: 0.5 },
      'body: error, unprocessedShare and entitlementsAnswer exclude each other',
    )
    await bad(
      { operation: 'BatchMeterUsage', entitlementsAnswer: 'omitted' },
      'entitlementsAnswer: only GetEntitlements answers with entitlements',
    )
    await bad(
      { operation: 'GetEntitlements', entitlementsAnswer: 'none' },
      'entitlementsAnswer: Invalid option: expected one of "omitted"|"empty-page"',
    )
    await bad(
      { operation: 'DeleteEverything', error: 'ThrottlingException' },
      'operation: Invalid option: expected one of "BatchMeterUsage"|"MeterUsage"|"RegisterUsage"|"ResolveCustomer"|"GetEntitlements"|"*"',
    )
    await bad(
      { error: 'ThrottlingException' },
      'operation: Invalid option: expected one of "BatchMeterUsage"|"MeterUsage"|"RegisterUsage"|"ResolveCustomer"|"GetEntitlements"|"*"',
    )
    await bad(
      { operation: 'MeterUsage', error: 'AccessDeniedException' },
      'error: Invalid option: expected one of "ThrottlingException"|"InternalServiceErrorException"',
    )
    await bad({ operation: 'BatchMeterUsage', unprocessedShare: 0 }, 'unprocessedShare: Too small: expected number to be >0')
    await bad(
      { operation: 'MeterUsage', error: 'ThrottlingException', probability: 1.5 },
      'probability: Too big: expected number to be <=1',
    )
    await bad({ operation: 'MeterUsage', error: 'ThrottlingException', times: 0 }, 'times: Too small: expected number to be >=1')
    await bad({ operation: 'MeterUsage', error: 'ThrottlingException', times: 1.5 }, 'times: Invalid input: expected int, received number')
    await bad({ operation: 'MeterUsage', latencyMs: 60_001 }, 'latencyMs: Too big: expected number to be <=60000')
    await bad({ operation: 'MeterUsage', error: 'ThrottlingException', forSeconds: -1 }, 'forSeconds: Too small: expected number to be >0')
    await bad({ operation: 'MeterUsage', error: 'ThrottlingException', accountId: '12' }, 'accountId: must be a 12-digit AWS account id')
    await bad({ operation: 'MeterUsage', error: 'ThrottlingException', delay: 5 }, 'body: Unrecognized key: "delay"')
    assert.deepEqual((await admin.listFaults()).rules, [])
    await assertAdminError(() => admin.removeFault('no-such-rule'), 404, 'NotFound', 'no fault rule no-such-rule')
  })
})
