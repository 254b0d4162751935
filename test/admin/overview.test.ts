import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, type MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import type { AdminClient, AuditView, OverviewView } from '../../src/admin/admin-client.js'
import { CUSTOMER, errorOf, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, assertAdminError, eventually, iso } from './support.js'

const HOUR = 3600_000
/** meterd's metering clock stands still here; the audit trail keeps the system's time. */
const NOW = Date.UTC(2026, 9, 15, 12, 30, 20)
const MINUTE_MS = 60_000

describe('admin API: GET /admin/overview and newest-first listings', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  let seller: MarketplaceMeteringClient
  const batch = (productCode: string, records: { at: number; dimension: string; quantity: number }[]) =>
    seller.send(
      new BatchMeterUsageCommand({
        ProductCode: productCode,
        UsageRecords: records.map((r) => ({
          Timestamp: new Date(r.at),
          CustomerIdentifier: CUSTOMER,
          Dimension: r.dimension,
          Quantity: r.quantity,
        })),
      }),
    )

  before(async () => {
    meterd = await startMeterd({ nowMs: NOW })
    admin = adminOf(meterd)
    seller = meterd.client({ ...SELLER })
    // Today (UTC): users 1 at 11:30. Yesterday in UTC but today in Tokyo: api_calls 5 at 23:30 UTC.
    await batch('demo-saas', [
      { at: NOW - HOUR, dimension: 'users', quantity: 1 },
      { at: NOW - 13 * HOUR, dimension: 'api_calls', quantity: 5 },
    ])
    // Another quantity for the same hour: kept as DuplicateRecord.
    const duplicate = await batch('demo-saas', [{ at: NOW - HOUR, dimension: 'users', quantity: 2 }])
    assert.equal(duplicate.Results![0]!.Status, 'DuplicateRecord')
    assert.equal(
      (await errorOf(() => batch('no-such-product', [{ at: NOW - HOUR, dimension: 'users', quantity: 1 }]))).name,
      'InvalidProductCodeException',
    )
  })
  after(() => meterd.close())

  const overviewOnceAudited = (query: Parameters<AdminClient['overview']>[0] = {}) =>
    eventually(
      () => admin.overview(query),
      (o: OverviewView) => o.calls.total === 3,
    )

  it('tells the endpoint, the clock, the world in numbers, calls per minute by operation and outcome, and the latest refused call', async () => {
    const overview = await overviewOnceAudited()
    assert.equal(overview.endpoint, meterd.url)
    assert.deepEqual(overview.clock, { mode: 'real', now: iso(NOW), nowMs: NOW, offsetMs: 0 })
    assert.deepEqual(overview.world, { accounts: 2, products: 4, customers: 1, licenses: 4, activeLicenses: 4 })
    // The minutes counted end with the current one (of the system clock, as the audit trail's times).
    const toMs = Date.parse(overview.calls.to)
    assert.equal(toMs % MINUTE_MS, 0)
    assert.ok(toMs > Date.now() - MINUTE_MS && toMs <= Date.now() + MINUTE_MS, overview.calls.to)
    assert.deepEqual(
      [overview.calls.from, overview.calls.minutes, overview.calls.total, overview.calls.failed],
      [iso(toMs - 15 * MINUTE_MS), 15, 3, 1],
    )
    const byOutcome = new Map<string, number>()
    for (const m of overview.calls.perMinute) {
      assert.ok(Date.parse(m.minute) >= toMs - 15 * MINUTE_MS && Date.parse(m.minute) < toMs, m.minute)
      byOutcome.set(`${m.operation} ${m.outcome}`, (byOutcome.get(`${m.operation} ${m.outcome}`) ?? 0) + m.calls)
    }
    assert.deepEqual(Object.fromEntries(byOutcome), { 'BatchMeterUsage InvalidProductCodeException': 1, 'BatchMeterUsage Success': 2 })
    assert.deepEqual(
      overview.recentRefused.map((e: AuditView) => [
        e.eventName,
        e.errorCode,
        (e.requestParameters as { ProductCode: string }).ProductCode,
      ]),
      [['BatchMeterUsage', 'InvalidProductCodeException', 'no-such-product']],
    )
    assert.deepEqual(overview.faults, [])
    assert.deepEqual(overview.quotas, { enabled: false, rates: { BatchMeterUsage: 10, MeterUsage: 10, RegisterUsage: 5 } })
    assert.equal(overview.auditRetentionDays, 30)
  })

  it("counts today's records by status from midnight of the asked time zone, on meterd's clock", async () => {
    const utc = await overviewOnceAudited()
    assert.deepEqual(utc.today, {
      timeZone: 'UTC',
      from: '2026-10-15T00:00:00.000Z',
      accepted: 1,
      byStatus: [
        { status: 'DuplicateRecord', records: 1, quantity: 2 },
        { status: 'Success', records: 1, quantity: 1 },
      ],
    })
    const tokyo = await admin.overview({ timeZone: 'Asia/Tokyo' })
    assert.deepEqual(tokyo.today, {
      timeZone: 'Asia/Tokyo',
      from: '2026-10-14T15:00:00.000Z',
      accepted: 2,
      byStatus: [
        { status: 'DuplicateRecord', records: 1, quantity: 2 },
        { status: 'Success', records: 2, quantity: 6 },
      ],
    })
    // Set the clock back a day: today (and its records) move with it.
    await admin.setClock(iso(NOW - 24 * HOUR))
    try {
      const yesterday = await admin.overview()
      assert.deepEqual([yesterday.today.from, yesterday.today.accepted], ['2026-10-14T00:00:00.000Z', 2])
    } finally {
      await admin.resetClock()
    }
  })

  it('shows the active fault rules, and counts only the asked number of minutes and refused calls', async () => {
    const rule = await admin.addFault({ operation: 'MeterUsage', error: 'ThrottlingException', times: 2 })
    try {
      const overview = await admin.overview({ minutes: 1, recent: 0 })
      assert.deepEqual(overview.faults, [rule])
      assert.equal(Date.parse(overview.calls.to) - Date.parse(overview.calls.from), MINUTE_MS)
      assert.deepEqual(overview.recentRefused, [])
    } finally {
      await admin.removeFault(rule.id)
    }
  })

  it('answers 400 BadRequest naming the parameter for bad input', async () => {
    const bad = (query: Record<string, string>, message: string) =>
      assertAdminError(() => admin.request('GET', `/overview?${new URLSearchParams(query).toString()}`), 400, 'BadRequest', message)
    await bad({ timeZone: 'Mars/Olympus_Mons' }, "timeZone: unknown time zone 'Mars/Olympus_Mons'")
    await bad({ minutes: '0' }, 'minutes: Too small: expected number to be >=1')
    await bad({ minutes: '1441' }, 'minutes: Too big: expected number to be <=1440')
    await bad({ recent: 'all' }, 'recent: Invalid input: expected number, received NaN')
    await bad({ since: 'today' }, 'query: Unrecognized key: "since"')
  })

  it('lists records and audit events newest first with order=newest-first, the cursor continuing backwards', async () => {
    const oldest = (await admin.listRecords()).records.map((r) => r.meteringRecordId)
    assert.equal(oldest.length, 3)
    const first = await admin.listRecords({ order: 'newest-first', limit: 2 })
    assert.deepEqual(
      first.records.map((r) => r.meteringRecordId),
      [oldest[2], oldest[1]],
    )
    const second = await admin.listRecords({ order: 'newest-first', limit: 2, cursor: first.nextCursor! })
    assert.deepEqual([second.records.map((r) => r.meteringRecordId), second.nextCursor], [[oldest[0]], null])
    const events = (await admin.listAudit({ order: 'newest-first', limit: 1 })).events
    assert.deepEqual(
      events.map((e) => e.errorCode),
      ['InvalidProductCodeException'],
    )
    await assertAdminError(
      () => admin.listAudit({ order: 'latest' }),
      400,
      'BadRequest',
      'order: Invalid option: expected one of "oldest-first"|"newest-first"',
    )
  })
})
