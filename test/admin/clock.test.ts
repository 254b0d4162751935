import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  type MarketplaceMeteringClient,
  MeterUsageCommand,
  ResolveCustomerCommand,
} from '@aws-sdk/client-marketplace-metering'
import type { AdminClient } from '../../src/admin/admin-client.js'
import { BUYER, CUSTOMER, errorOf, hourAgo, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, assertAdminError, eventually, iso } from './support.js'

const HOUR = 3600_000
const FROZEN = Date.UTC(2026, 2, 10, 12, 0) // 10 March 2026, 12:00 UTC: far from the real time the requests are signed at

describe('admin API: the virtual clock', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  let seller: MarketplaceMeteringClient
  let buyer: MarketplaceMeteringClient
  const batch = (timestampMs: number, dimension = 'users', quantity = 1) =>
    seller.send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: new Date(timestampMs), CustomerIdentifier: CUSTOMER, Dimension: dimension, Quantity: quantity }],
      }),
    )
  const meter = (timestampMs: number, quantity = 1) =>
    buyer.send(
      new MeterUsageCommand({
        ProductCode: 'demo-ami',
        Timestamp: new Date(timestampMs),
        UsageDimension: 'hosts',
        UsageQuantity: quantity,
      }),
    )
  const nearly = (actual: number, expected: number, slackMs = 2000) =>
    assert.ok(Math.abs(actual - expected) <= slackMs, `${actual} is not within ${slackMs} ms of ${expected}`)

  before(async () => {
    meterd = await startMeterd()
    admin = adminOf(meterd)
    seller = meterd.client({ ...SELLER })
    buyer = meterd.client({ ...BUYER })
  })
  after(() => meterd.close())

  it("starts in real time: GET /admin/clock says mode 'real' and the real now", async () => {
    const view = await admin.clock()
    assert.equal(view.mode, 'real')
    nearly(view.nowMs, Date.now())
    assert.equal(view.now, iso(view.nowMs))
    assert.ok(Math.abs(view.offsetMs) <= 5, `offset ${view.offsetMs}`)
  })

  it('freezes at a fixed time: BatchMeterUsage windows follow it (23 h before accepted, 25 h before refused) while SigV4 keeps real time', async () => {
    const frozen = await admin.freezeClock(iso(FROZEN))
    assert.deepEqual([frozen.mode, frozen.now, frozen.nowMs], ['frozen', iso(FROZEN), FROZEN])
    nearly(frozen.offsetMs, FROZEN - Date.now())
    assert.equal((await admin.clock()).nowMs, FROZEN)

    // Every request below is signed now, in real time, months away from meterd's clock, and authenticated.
    const accepted = await batch(FROZEN - 23 * HOUR)
    assert.equal(accepted.Results![0]!.Status, 'Success')
    const old = await errorOf(() => batch(FROZEN - 25 * HOUR, 'api_calls'))
    assert.equal(old.name, 'TimestampOutOfBoundsException')
    assert.equal(
      old.message,
      `The timestamp value passed in the UsageRecord is out of allowed range: ${iso(FROZEN - 25 * HOUR)} is 24 hours or more in the past. For BatchMeterUsage, if any of the records are outside of the allowed range, the entire batch is not processed.`,
    )
    const realNow = await errorOf(() => batch(hourAgo(1).getTime(), 'api_calls'))
    assert.equal(realNow.name, 'TimestampOutOfBoundsException')
    assert.match(realNow.message, / is in the future\./)

    // The record carries meterd's time; the audit trail keeps real time.
    const [record] = (await admin.listRecords({ from: iso(FROZEN - 23 * HOUR), to: iso(FROZEN) })).records
    assert.deepEqual([record!.meteringRecordId, record!.receivedAt], [accepted.Results![0]!.MeteringRecordId, iso(FROZEN)])
    const events = (
      await eventually(
        () => admin.listAudit({ operation: 'BatchMeterUsage' }),
        (p) => p.events.length >= 3,
      )
    ).events
    assert.equal(events.length, 3)
    for (const event of events) nearly(Date.parse(event.eventTime), Date.now(), 60_000)
  })

  it('keeps MeterUsage windows on the frozen clock too: 6 hours back accepted, a second more refused', async () => {
    assert.match((await meter(FROZEN - 6 * HOUR)).MeteringRecordId!, /^[0-9a-f-]{36}$/)
    const refused = await errorOf(() => meter(FROZEN - 6 * HOUR - 1000))
    assert.equal(refused.name, 'TimestampOutOfBoundsException')
    assert.equal(
      refused.message,
      `The timestamp value passed in the request is out of allowed range: ${iso(FROZEN - 6 * HOUR - 1000)} is more than 6 hours in the past.`,
    )
  })

  it("advances by '2h', by seconds and backwards by '-30m': the windows move with it", async () => {
    const advanced = await admin.advanceClock('2h')
    assert.deepEqual([advanced.mode, advanced.nowMs], ['frozen', FROZEN + 2 * HOUR])
    const nowOld = await errorOf(() => batch(FROZEN - 23 * HOUR, 'api_calls')) // accepted before the advance, 25 h old now
    assert.equal(nowOld.name, 'TimestampOutOfBoundsException')
    assert.equal((await batch(FROZEN - 21 * HOUR, 'api_calls')).Results![0]!.Status, 'Success') // 23 h before the new now
    assert.equal((await admin.advanceClock(3600)).nowMs, FROZEN + 3 * HOUR)
    assert.equal((await admin.advanceClock('-30m')).nowMs, FROZEN + 2.5 * HOUR)
    assert.equal((await admin.clock()).nowMs, FROZEN + 2.5 * HOUR)
  })

  it('sets the time: a frozen clock stays frozen there; resume lets it run on from there', async () => {
    const target = Date.UTC(2026, 2, 11, 0, 0)
    const set = await admin.setClock(iso(target))
    assert.deepEqual([set.mode, set.nowMs], ['frozen', target])
    const resumed = await admin.resumeClock()
    const realAtResume = Date.now()
    assert.equal(resumed.mode, 'offset')
    nearly(resumed.nowMs, target, 1000)
    nearly(resumed.offsetMs, target - realAtResume, 1000)
    const later = await admin.clock()
    assert.equal(later.mode, 'offset')
    assert.ok(later.nowMs >= resumed.nowMs, 'a running clock does not go back')
    // Running with an offset, setting moves the offset and keeps running.
    const moved = await admin.setClock(iso(FROZEN))
    assert.equal(moved.mode, 'offset')
    nearly(moved.nowMs, FROZEN, 1000)
  })

  it('expires registration tokens on the virtual clock: advancing past the 4 h TTL makes ResolveCustomer answer ExpiredTokenException', async () => {
    await admin.resetClock()
    const { registrationToken } = await admin.subscribe({ productCode: 'demo-saas', accountId: '333333333333', deliver: false })
    const resolve = () => seller.send(new ResolveCustomerCommand({ RegistrationToken: registrationToken }))
    assert.equal((await resolve()).CustomerAWSAccountId, '333333333333')
    await admin.advanceClock(4 * 3600 - 60) // seconds: 3 h 59 min
    assert.equal((await resolve()).CustomerAWSAccountId, '333333333333')
    await admin.advanceClock('2m')
    const expired = await errorOf(resolve)
    assert.equal(expired.name, 'ExpiredTokenException')
  })

  it("reset returns to real time: mode 'real', and the real windows apply again", async () => {
    await admin.freezeClock(iso(FROZEN))
    const reset = await admin.resetClock()
    assert.equal(reset.mode, 'real')
    nearly(reset.nowMs, Date.now())
    assert.ok(Math.abs(reset.offsetMs) <= 5, `offset ${reset.offsetMs}`)
    assert.equal((await batch(hourAgo(1).getTime())).Results![0]!.Status, 'Success')
    const frozenTime = await errorOf(() => batch(FROZEN))
    assert.equal(frozenTime.name, 'TimestampOutOfBoundsException')
  })

  it('keeps its state across a restart', async () => {
    await admin.freezeClock(iso(FROZEN))
    await meterd.restart()
    const view = await adminOf(meterd).clock()
    assert.deepEqual([view.mode, view.nowMs], ['frozen', FROZEN])
    await adminOf(meterd).resetClock()
    seller = meterd.client({ ...SELLER })
    buyer = meterd.client({ ...BUYER })
  })

  it('answers 400 BadRequest naming the field for bad clock bodies, and the clock does not move', async () => {
    const before = await admin.clock()
    await assertAdminError(
      () => admin.advanceClock('soon'),
      400,
      'BadRequest',
      'by: must be a duration such as 2h, 90m, -30s or a number of seconds',
    )
    await assertAdminError(
      () => admin.advanceClock('2 weeks'),
      400,
      'BadRequest',
      'by: must be a duration such as 2h, 90m, -30s or a number of seconds',
    )
    await assertAdminError(() => admin.freezeClock('yesterday'), 400, 'BadRequest', 'at: must be an ISO-8601 date-time')
    await assertAdminError(() => admin.setClock('2026-02-30T25:00:00Z'), 400, 'BadRequest', 'at: must be an ISO-8601 date-time')
    await assertAdminError(
      () => admin.request('POST', '/clock/set', {}),
      400,
      'BadRequest',
      'at: Invalid input: expected string, received undefined',
    )
    await assertAdminError(
      () => admin.request('POST', '/clock/advance', { by: '1h', at: iso(FROZEN) }),
      400,
      'BadRequest',
      'body: Unrecognized key: "at"',
    )
    await assertAdminError(
      () => admin.request('POST', '/clock/freeze', { at: 5 }),
      400,
      'BadRequest',
      'at: Invalid input: expected string, received number',
    )
    const after = await admin.clock()
    assert.equal(after.mode, before.mode)
    nearly(after.nowMs, Date.now())
  })
})
