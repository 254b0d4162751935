import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, type BatchMeterUsageCommandOutput, type UsageRecord } from '@aws-sdk/client-marketplace-metering'
import type { AdminClient } from '../../src/admin/admin-client.js'
import type { WorldInput } from '../../src/catalog/world.js'
import { midMonthHourAgo, MID_MONTH_MS, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, assertAdminError, iso, lineCountOf, textOf } from './support.js'

/** meterd's clock stands at 04:00 UTC on 1 December: November usage is still accepted (6 h month-end grace). */
const NOW = Date.UTC(2026, 11, 1, 4, 0)
const at = (text: string) => new Date(text)

const WORLD: WorldInput = {
  accounts: [{ id: '111111111111', credentials: [{ ...SELLER, region: 'us-east-1' }] }, { id: '222222222222' }, { id: '333333333333' }],
  products: [
    {
      code: 'demo-saas',
      type: 'saas',
      seller: '111111111111',
      dimensions: [
        { name: 'users', price: 1.5 },
        { name: 'api_calls', price: 0.002 },
      ],
    },
    { code: 'other-saas', type: 'saas', seller: '111111111111', dimensions: ['gb'] },
  ],
  customers: [
    { identifier: 'c-alpha', accountId: '222222222222' },
    { identifier: 'c-beta', accountId: '333333333333' },
  ],
  licenses: [
    {
      arn: 'arn:aws:license-manager::222222222222:license/l-alpha',
      customer: 'c-alpha',
      product: 'demo-saas',
      start: '2020-01-01T00:00:00Z',
    },
    {
      arn: 'arn:aws:license-manager::333333333333:license/l-beta',
      customer: 'c-beta',
      product: 'demo-saas',
      start: '2020-01-01T00:00:00Z',
    },
    {
      arn: 'arn:aws:license-manager::222222222222:license/l-alpha',
      customer: 'c-alpha',
      product: 'other-saas',
      start: '2020-01-01T00:00:00Z',
    },
  ],
}

/** The records seeded, one BatchMeterUsage call per group, one real second apart. */
const CALLS: { product: string; records: UsageRecord[] }[] = [
  {
    product: 'demo-saas',
    records: [
      {
        CustomerIdentifier: 'c-alpha',
        Dimension: 'users',
        Quantity: 10,
        Timestamp: at('2026-11-30T20:10:00Z'),
        UsageAllocations: [
          {
            AllocatedUsageQuantity: 6,
            Tags: [
              { Key: 'team', Value: 'red' },
              { Key: 'env', Value: 'prod' },
            ],
          },
          { AllocatedUsageQuantity: 4, Tags: [{ Key: 'team', Value: 'blue' }] },
        ],
      },
      { CustomerIdentifier: 'c-alpha', Dimension: 'api_calls', Quantity: 100, Timestamp: at('2026-11-30T20:40:00Z') },
      { CustomerIdentifier: 'c-beta', Dimension: 'users', Quantity: 3, Timestamp: at('2026-11-30T18:05:00Z') },
    ],
  },
  {
    product: 'demo-saas',
    records: [
      {
        CustomerIdentifier: 'c-alpha',
        Dimension: 'users',
        Quantity: 5,
        Timestamp: at('2026-12-01T01:30:00Z'),
        UsageAllocations: [{ AllocatedUsageQuantity: 5, Tags: [{ Key: 'team', Value: 'red' }] }],
      },
      { CustomerIdentifier: 'c-beta', Dimension: 'api_calls', Quantity: 7, Timestamp: at('2026-12-01T02:59:00Z') },
      { CustomerIdentifier: 'c-gamma', Dimension: 'users', Quantity: 2, Timestamp: at('2026-12-01T01:00:00Z') }, // no such customer
    ],
  },
  {
    product: 'demo-saas',
    records: [
      { CustomerIdentifier: 'c-alpha', Dimension: 'users', Quantity: 11, Timestamp: at('2026-11-30T20:30:00Z') }, // r1's hour, other quantity
      { CustomerAWSAccountId: '333333333333', Dimension: 'users', Quantity: 4, Timestamp: at('2026-12-01T03:10:00Z') },
    ],
  },
  {
    product: 'other-saas',
    records: [{ CustomerIdentifier: 'c-alpha', Dimension: 'gb', Quantity: 50, Timestamp: at('2026-12-01T00:00:00Z') }],
  },
]

interface Seeded {
  id: string
  status: string
  requestId: string
  receivedAtMs: number
}

const RECORD_HEADER =
  'meteringRecordId,operation,status,productCode,dimension,quantity,timestamp,hour,customerIdentifier,customerAccountId,licenseArn,resourceId,allocations,callerAccountId,callerAccessKeyId,requestId,receivedAt'

describe('admin API: ledger queries, usage windows and exports', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  /** r1..r9 in the order of CALLS. */
  const r: Seeded[] = []
  const ids = (records: Record<string, unknown>[]) => records.map((x) => x.meteringRecordId)
  const idsOf = (...numbers: number[]) => numbers.map((n) => r[n - 1]!.id)
  const list = async (query: Record<string, string | number>) => ids((await admin.listRecords(query)).records)

  before(async () => {
    meterd = await startMeterd({ world: WORLD, nowMs: NOW })
    admin = adminOf(meterd)
    const seller = meterd.client({ ...SELLER })
    for (const call of CALLS) {
      meterd.clock!.advance(1000)
      const receivedAtMs = meterd.clock!.nowMs()
      const out: BatchMeterUsageCommandOutput = await seller.send(
        new BatchMeterUsageCommand({ ProductCode: call.product, UsageRecords: call.records }),
      )
      assert.equal(out.UnprocessedRecords!.length, 0)
      for (const result of out.Results!)
        r.push({ id: result.MeteringRecordId!, status: result.Status!, requestId: out.$metadata.requestId!, receivedAtMs })
    }
  })
  after(() => meterd.close())

  it('seeded nine records with the statuses the ledger decided', () => {
    assert.deepEqual(
      r.map((x) => x.status),
      ['Success', 'Success', 'Success', 'Success', 'Success', 'CustomerNotSubscribed', 'DuplicateRecord', 'Success', 'Success'],
    )
  })

  describe('GET /admin/records', () => {
    it('shows a record with every field', async () => {
      const [record] = (await admin.listRecords({ tagKey: 'team', tagValue: 'blue' })).records
      assert.deepEqual(record, {
        meteringRecordId: r[0]!.id,
        operation: 'BatchMeterUsage',
        status: 'Success',
        productCode: 'demo-saas',
        dimension: 'users',
        quantity: 10,
        timestamp: '2026-11-30T20:10:00.000Z',
        hour: '2026-11-30T20:00:00.000Z',
        customerIdentifier: 'c-alpha',
        customerAccountId: null,
        licenseArn: null,
        resourceId: null,
        allocations: [
          {
            quantity: 6,
            tags: [
              { key: 'team', value: 'red' },
              { key: 'env', value: 'prod' },
            ],
          },
          { quantity: 4, tags: [{ key: 'team', value: 'blue' }] },
        ],
        callerAccountId: '111111111111',
        callerAccessKeyId: SELLER.accessKeyId,
        requestId: r[0]!.requestId,
        receivedAt: iso(r[0]!.receivedAtMs),
      })
    })

    it('filters by product, customer, account, dimension, status and operation', async () => {
      assert.deepEqual(await list({ productCode: 'other-saas' }), idsOf(9))
      assert.equal((await list({ productCode: 'demo-saas' })).length, 8)
      assert.deepEqual(await list({ customerIdentifier: 'c-beta' }), idsOf(3, 5))
      assert.deepEqual(await list({ customerAccountId: '333333333333' }), idsOf(8))
      assert.deepEqual(await list({ dimension: 'api_calls' }), idsOf(2, 5))
      assert.deepEqual(await list({ status: 'CustomerNotSubscribed' }), idsOf(6))
      assert.deepEqual(await list({ status: 'DuplicateRecord' }), idsOf(7))
      assert.deepEqual(new Set(await list({ status: 'Success' })), new Set(idsOf(1, 2, 3, 4, 5, 8, 9)))
      assert.deepEqual(await list({ operation: 'MeterUsage' }), [])
      assert.deepEqual(new Set(await list({ customerIdentifier: 'c-alpha', dimension: 'users', status: 'Success' })), new Set(idsOf(1, 4)))
    })

    it('filters by usage time in [from, to), given as ISO-8601 or epoch seconds', async () => {
      const expected = new Set(idsOf(4, 5, 6)) // 01:30, 02:59 and 01:00 exactly; 03:10 is `to` itself
      assert.deepEqual(new Set(await list({ from: '2026-12-01T01:00:00Z', to: '2026-12-01T03:10:00Z' })), expected)
      assert.deepEqual(new Set(await list({ from: Date.UTC(2026, 11, 1, 1) / 1000, to: Date.UTC(2026, 11, 1, 3, 10) / 1000 })), expected)
      assert.deepEqual(await list({ from: '2026-12-01T03:10:00Z' }), idsOf(8))
      assert.deepEqual(new Set(await list({ to: '2026-11-30T20:30:00Z' })), new Set(idsOf(1, 3)))
    })

    it('filters by allocation tag key, and by key and value', async () => {
      assert.deepEqual(new Set(await list({ tagKey: 'team' })), new Set(idsOf(1, 4)))
      assert.deepEqual(await list({ tagKey: 'team', tagValue: 'blue' }), idsOf(1))
      assert.deepEqual(await list({ tagKey: 'env' }), idsOf(1))
      assert.deepEqual(await list({ tagKey: 'team', tagValue: 'green' }), [])
    })

    it('pages with limit 2 and nextCursor: every record exactly once, in (receivedAt, id) order, the same on a second walk', async () => {
      const walk = async () => {
        const pages: unknown[][] = []
        let cursor: string | null | undefined
        do {
          const page = await admin.listRecords({ limit: 2, ...(cursor ? { cursor } : {}) })
          pages.push(ids(page.records))
          cursor = page.nextCursor
        } while (cursor)
        return pages
      }
      const pages = await walk()
      assert.deepEqual(
        pages.map((p) => p.length),
        [2, 2, 2, 2, 1],
      )
      const flat = pages.flat() as string[]
      assert.equal(new Set(flat).size, 9)
      assert.deepEqual(new Set(flat), new Set(r.map((x) => x.id)))
      const all = (await admin.listRecords({ limit: 100 })).records
      assert.deepEqual(ids(all), flat)
      const key = (x: Record<string, unknown>) => `${String(x.receivedAt)} ${String(x.meteringRecordId)}`
      assert.deepEqual(all.map(key), all.map(key).sort())
      // Received one call after another: the calls come in their order.
      assert.deepEqual(
        all.map((x) => x.receivedAt),
        r.map((x) => iso(x.receivedAtMs)),
      )
      assert.deepEqual(await walk(), pages)
      assert.equal((await admin.listRecords({ limit: 100 })).nextCursor, null)
      const filtered = await admin.listRecords({ customerIdentifier: 'c-alpha', limit: 1 })
      const next = await admin.listRecords({ customerIdentifier: 'c-alpha', limit: 1, cursor: filtered.nextCursor! })
      assert.deepEqual([...ids(filtered.records), ...ids(next.records)], (await list({ customerIdentifier: 'c-alpha' })).slice(0, 2))
    })

    it('answers 400 BadRequest naming the parameter for a bad query', async () => {
      const bad = (query: Record<string, string>, message: string) =>
        assertAdminError(() => admin.listRecords(query), 400, 'BadRequest', message)
      await bad({ cursor: 'garbage' }, 'cursor: is not a cursor this API returned')
      await bad({ cursor: Buffer.from('{"receivedAtMs":"x"}').toString('base64url') }, 'cursor: is not a cursor this API returned')
      await bad({ limit: '0' }, 'limit: Too small: expected number to be >=1')
      await bad({ limit: '1001' }, 'limit: Too big: expected number to be <=1000')
      await bad({ limit: 'ten' }, 'limit: Invalid input: expected number, received NaN')
      await bad({ from: 'yesterday' }, 'from: must be an ISO-8601 date-time or epoch seconds')
      await bad({ status: 'Accepted' }, 'status: Invalid option: expected one of "Success"|"CustomerNotSubscribed"|"DuplicateRecord"')
      await bad({ customerAccountId: 'abc' }, 'customerAccountId: must be digits')
      await bad({ tagValue: 'red' }, 'tagValue: needs tagKey')
      await bad({ product: 'demo-saas' }, 'query: Unrecognized key: "product"')
    })
  })

  describe('GET /admin/usage', () => {
    const usage = (query: Record<string, string>) => admin.usage({ productCode: 'demo-saas', ...query })
    const row = (window: string, customer: string, dimension: string, quantity: number, records = 1) => {
      const price = dimension === 'users' ? 1.5 : 0.002
      return {
        productCode: 'demo-saas',
        customer,
        dimension,
        window,
        quantity,
        records,
        unitPrice: price,
        amount: Math.round(quantity * price * 1e6) / 1e6,
      }
    }

    it('sums honoured usage per day in UTC, with a billing estimate from the priced dimensions', async () => {
      assert.deepEqual(await usage({ window: 'day', timeZone: 'UTC' }), {
        window: 'day',
        timeZone: 'UTC',
        rows: [
          row('2026-11-30', 'c-alpha', 'api_calls', 100),
          row('2026-11-30', 'c-alpha', 'users', 10),
          row('2026-11-30', 'c-beta', 'users', 3),
          row('2026-12-01', '333333333333', 'users', 4),
          row('2026-12-01', 'c-alpha', 'users', 5),
          row('2026-12-01', 'c-beta', 'api_calls', 7),
        ],
        estimatedAmount: 33.214, // 0.2 + 15 + 4.5 + 6 + 7.5 + 0.014
      })
    })

    it('moves usage after 18:30 UTC into the next day in Asia/Kolkata (UTC+05:30)', async () => {
      const out = await usage({ window: 'day', timeZone: 'Asia/Kolkata' })
      assert.deepEqual(out.rows, [
        row('2026-11-30', 'c-beta', 'users', 3), // 18:05 UTC is 23:35 in Kolkata
        row('2026-12-01', '333333333333', 'users', 4),
        row('2026-12-01', 'c-alpha', 'api_calls', 100),
        row('2026-12-01', 'c-alpha', 'users', 15, 2), // 20:10 UTC on 30 November is 01:40 on 1 December
        row('2026-12-01', 'c-beta', 'api_calls', 7),
      ])
      assert.equal(out.estimatedAmount, 33.214)
    })

    it('labels hour windows in the zone: half-hour offsets move UTC hours apart', async () => {
      assert.deepEqual((await usage({ window: 'hour', timeZone: 'UTC' })).rows, [
        row('2026-11-30T18:00', 'c-beta', 'users', 3),
        row('2026-11-30T20:00', 'c-alpha', 'api_calls', 100),
        row('2026-11-30T20:00', 'c-alpha', 'users', 10),
        row('2026-12-01T01:00', 'c-alpha', 'users', 5),
        row('2026-12-01T02:00', 'c-beta', 'api_calls', 7),
        row('2026-12-01T03:00', '333333333333', 'users', 4),
      ])
      assert.deepEqual((await usage({ window: 'hour', timeZone: 'Asia/Kolkata' })).rows, [
        row('2026-11-30T23:00', 'c-beta', 'users', 3), // 23:35
        row('2026-12-01T01:00', 'c-alpha', 'users', 10), // 01:40
        row('2026-12-01T02:00', 'c-alpha', 'api_calls', 100), // 02:10: same UTC hour as the one above, another Kolkata hour
        row('2026-12-01T07:00', 'c-alpha', 'users', 5), // 01:30 UTC is 07:00 exactly
        row('2026-12-01T08:00', '333333333333', 'users', 4), // 08:40
        row('2026-12-01T08:00', 'c-beta', 'api_calls', 7), // 08:29
      ])
    })

    it('labels month windows in the zone', async () => {
      assert.deepEqual((await usage({ window: 'month', timeZone: 'UTC' })).rows, [
        row('2026-11', 'c-alpha', 'api_calls', 100),
        row('2026-11', 'c-alpha', 'users', 10),
        row('2026-11', 'c-beta', 'users', 3),
        row('2026-12', '333333333333', 'users', 4),
        row('2026-12', 'c-alpha', 'users', 5),
        row('2026-12', 'c-beta', 'api_calls', 7),
      ])
      assert.deepEqual((await usage({ window: 'month', timeZone: 'Asia/Kolkata' })).rows, [
        row('2026-11', 'c-beta', 'users', 3),
        row('2026-12', '333333333333', 'users', 4),
        row('2026-12', 'c-alpha', 'api_calls', 100),
        row('2026-12', 'c-alpha', 'users', 15, 2),
        row('2026-12', 'c-beta', 'api_calls', 7),
      ])
    })

    it('splits by the values of an allocation tag key with byTagKey, pricing the allocated quantities', async () => {
      const tagged = (window: string, tagValue: string, quantity: number) => ({ ...row(window, 'c-alpha', 'users', quantity), tagValue })
      assert.deepEqual(await usage({ window: 'day', byTagKey: 'team' }), {
        window: 'day',
        timeZone: 'UTC',
        byTagKey: 'team',
        rows: [tagged('2026-11-30', 'blue', 4), tagged('2026-11-30', 'red', 6), tagged('2026-12-01', 'red', 5)],
        estimatedAmount: 22.5,
      })
    })

    it('counts only Success records unless a status is asked for, and leaves unpriced dimensions out of the estimate', async () => {
      assert.deepEqual((await usage({ status: 'CustomerNotSubscribed' })).rows, [row('2026-12-01', 'c-gamma', 'users', 2)])
      assert.deepEqual((await usage({ status: 'DuplicateRecord' })).rows, [row('2026-11-30', 'c-alpha', 'users', 11)])
      assert.deepEqual(await admin.usage({ productCode: 'other-saas', window: 'month' }), {
        window: 'month',
        timeZone: 'UTC',
        rows: [{ productCode: 'other-saas', customer: 'c-alpha', dimension: 'gb', window: '2026-12', quantity: 50, records: 1 }],
        estimatedAmount: 0,
      })
    })

    it('answers 400 for an unknown time zone or window', async () => {
      await assertAdminError(
        () => usage({ timeZone: 'Mars/Olympus_Mons' }),
        400,
        'BadRequest',
        "timeZone: unknown time zone 'Mars/Olympus_Mons'",
      )
      await assertAdminError(
        () => usage({ window: 'week' }),
        400,
        'BadRequest',
        'window: Invalid option: expected one of "hour"|"day"|"month"',
      )
      await assertAdminError(
        () => usage({ byTagKey: '' }),
        400,
        'BadRequest',
        'byTagKey: Too small: expected string to have >=1 characters',
      )
    })
  })

  describe('GET /admin/records/export', () => {
    const csvLine = (n: number, fields: string) =>
      `${r[n - 1]!.id},BatchMeterUsage,${fields},111111111111,${SELLER.accessKeyId},${r[n - 1]!.requestId},${iso(r[n - 1]!.receivedAtMs)}`

    it('exports CSV: the header, then one line per matching record', async () => {
      const csv = await textOf(await admin.export('records', { format: 'csv', customerIdentifier: 'c-beta' }))
      assert.equal(
        csv,
        [
          RECORD_HEADER,
          csvLine(3, 'Success,demo-saas,users,3,2026-11-30T18:05:00.000Z,2026-11-30T18:00:00.000Z,c-beta,,,,'),
          csvLine(5, 'Success,demo-saas,api_calls,7,2026-12-01T02:59:00.000Z,2026-12-01T02:00:00.000Z,c-beta,,,,'),
          '',
        ].join('\n'),
      )
    })

    it('quotes CSV fields holding commas and quotes (allocations as JSON)', async () => {
      const csv = await textOf(await admin.export('records', { format: 'csv', tagKey: 'team', tagValue: 'blue' }))
      const allocations =
        '"[{""quantity"":6,""tags"":[{""key"":""team"",""value"":""red""},{""key"":""env"",""value"":""prod""}]},{""quantity"":4,""tags"":[{""key"":""team"",""value"":""blue""}]}]"'
      assert.equal(
        csv,
        `${RECORD_HEADER}\n${csvLine(1, `Success,demo-saas,users,10,2026-11-30T20:10:00.000Z,2026-11-30T20:00:00.000Z,c-alpha,,,,${allocations}`)}\n`,
      )
    })

    it('exports NDJSON: one parseable record per line, as GET /admin/records shows them; filters apply', async () => {
      const text = await textOf(await admin.export('records'))
      assert.ok(text.endsWith('\n'))
      const lines = text
        .slice(0, -1)
        .split('\n')
        .map((line) => JSON.parse(line))
      assert.deepEqual(lines, (await admin.listRecords({ limit: 100 })).records)
      const duplicates = (await textOf(await admin.export('records', { format: 'ndjson', status: 'DuplicateRecord' })))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      assert.deepEqual(
        duplicates.map((x) => [x.meteringRecordId, x.quantity, x.status]),
        [[r[6]!.id, 11, 'DuplicateRecord']],
      )
      assert.equal(await textOf(await admin.export('records', { format: 'csv', productCode: 'nope' })), `${RECORD_HEADER}\n`)
      assert.equal(await textOf(await admin.export('records', { productCode: 'nope' })), '')
    })

    it('answers 400 for a bad format or filter', async () => {
      await assertAdminError(
        () => admin.export('records', { format: 'xml' as 'csv' }),
        400,
        'BadRequest',
        'format: Invalid option: expected one of "csv"|"ndjson"',
      )
      await assertAdminError(
        () => admin.export('records', { to: 'later' }),
        400,
        'BadRequest',
        'to: must be an ISO-8601 date-time or epoch seconds',
      )
      await assertAdminError(() => admin.export('records', { limit: 5 }), 400, 'BadRequest', 'query: Unrecognized key: "limit"')
    })
  })
})

describe('admin API: a large export streams completely', () => {
  const CUSTOMERS = 150
  const HOURS = 20
  let meterd: TestMeterd
  let admin: AdminClient

  before(async () => {
    const names = Array.from({ length: CUSTOMERS }, (_, i) => `bulk-${String(i).padStart(3, '0')}`)
    meterd = await startMeterd({
      nowMs: MID_MONTH_MS,
      world: {
        accounts: [{ id: '111111111111', credentials: [{ ...SELLER, region: 'us-east-1' }] }, { id: '777777777777' }],
        products: [{ code: 'bulk-saas', type: 'saas', seller: '111111111111', dimensions: ['units'] }],
        customers: names.map((identifier) => ({ identifier, accountId: '777777777777' })),
        licenses: names.map((customer, i) => ({
          arn: `arn:aws:license-manager::777777777777:license/l-bulk${i}`,
          customer,
          product: 'bulk-saas',
          start: '2020-01-01T00:00:00Z',
        })),
      },
    })
    admin = adminOf(meterd)
    const records: UsageRecord[] = names.flatMap((customer) =>
      Array.from({ length: HOURS }, (_, h) => ({
        CustomerIdentifier: customer,
        Dimension: 'units',
        Quantity: h + 1,
        Timestamp: midMonthHourAgo(h + 1),
      })),
    )
    const batches = Array.from({ length: records.length / 25 }, (_, i) => records.slice(i * 25, i * 25 + 25))
    const seller = meterd.client({ ...SELLER })
    let next = 0
    const worker = async () => {
      while (next < batches.length) {
        const out = await seller.send(new BatchMeterUsageCommand({ ProductCode: 'bulk-saas', UsageRecords: batches[next++]! }))
        assert.deepEqual(new Set(out.Results!.map((x) => x.Status)), new Set(['Success']))
      }
    }
    await Promise.all([worker(), worker(), worker(), worker()])
  })
  after(() => meterd.close())

  it('streams 3000 records (sent 25 per BatchMeterUsage call) as 3000 NDJSON lines and a CSV header plus 3000 lines', async () => {
    const ndjson = await lineCountOf(await admin.export('records', { format: 'ndjson' }))
    assert.equal(ndjson.lines, 3000)
    assert.equal(ndjson.lastByte, 10)
    assert.ok(ndjson.chunks >= 3, `expected the export in several chunks (pages of 1000), got ${ndjson.chunks}`)
    const csv = await lineCountOf(await admin.export('records', { format: 'csv' }))
    assert.equal(csv.lines, 3001)
    assert.equal((await lineCountOf(await admin.export('records', { customerIdentifier: 'bulk-007' }))).lines, HOURS)
  })

  it('exports each record exactly once', async () => {
    const text = await textOf(await admin.export('records'))
    const rows = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { meteringRecordId: string; customerIdentifier: string; quantity: number })
    assert.equal(new Set(rows.map((x) => x.meteringRecordId)).size, 3000)
    assert.equal(new Set(rows.map((x) => `${x.customerIdentifier} ${x.quantity}`)).size, 3000)
  })
})
