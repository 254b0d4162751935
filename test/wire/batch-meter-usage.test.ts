import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  type BatchMeterUsageCommandInput,
  type MarketplaceMeteringClient,
  type UsageRecord,
} from '@aws-sdk/client-marketplace-metering'
import { DEMO_WORLD } from '../../src/catalog/demo-world.js'
import {
  BUYER,
  BUYER_ACCOUNT,
  CUSTOMER,
  LICENSE_ARN,
  errorOf,
  midMonthHourAgo,
  MID_MONTH_MS,
  startMeterd,
  type TestMeterd,
} from '../helpers/meterd.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

describe('BatchMeterUsage', () => {
  let meterd: TestMeterd
  let seller: MarketplaceMeteringClient
  const batch = (input: BatchMeterUsageCommandInput) => seller.send(new BatchMeterUsageCommand(input))
  const one = (record: Partial<UsageRecord>, productCode = 'demo-saas') =>
    batch({
      ProductCode: productCode,
      UsageRecords: [{ Timestamp: midMonthHourAgo(1, 5), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1, ...record }],
    })

  before(async () => {
    meterd = await startMeterd({
      nowMs: MID_MONTH_MS,
      world: {
        ...DEMO_WORLD,
        accounts: [
          ...DEMO_WORLD.accounts!,
          { id: '333333333333', credentials: [{ accessKeyId: 'AKIAOTHERSELLER00001', secretAccessKey: 'other' }] },
        ],
        products: [...DEMO_WORLD.products!, { code: 'other-saas', type: 'saas', seller: '333333333333', dimensions: ['users'] }],
        customers: [
          ...DEMO_WORLD.customers!,
          { identifier: 'lapsed-customer', accountId: '444444444444' },
          { identifier: 'closed-customer', accountId: '555555555555' },
        ],
        licenses: [
          ...DEMO_WORLD.licenses!,
          // Ended half an hour ago: inside its final-metering hour.
          {
            arn: 'arn:aws:license-manager::444444444444:license/l-lapsed',
            customer: 'lapsed-customer',
            product: 'demo-saas',
            start: '2020-01-01T00:00:00Z',
            end: midMonthHourAgo(0).toISOString(),
            status: 'ended',
          },
          // Ended three and a half hours ago: its final-metering hour is over.
          {
            arn: 'arn:aws:license-manager::555555555555:license/l-closed',
            customer: 'closed-customer',
            product: 'demo-saas',
            start: '2020-01-01T00:00:00Z',
            end: midMonthHourAgo(3).toISOString(),
            status: 'ended',
          },
        ],
      },
    })
    seller = meterd.client()
  })
  after(() => meterd.close())

  describe('behaviour', () => {
    it('records a subscribed customer as Success, echoes the record and returns an empty UnprocessedRecords', async () => {
      const timestamp = midMonthHourAgo(2, 10)
      const out = await batch({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: timestamp, CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 3 }],
      })
      assert.equal(out.Results?.length, 1)
      const [result] = out.Results
      assert.equal(result!.Status, 'Success')
      assert.match(result!.MeteringRecordId!, UUID)
      assert.deepEqual(result!.UsageRecord, { Timestamp: timestamp, CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 3 })
      assert.deepEqual(out.UnprocessedRecords, [])
      assert.match(out.$metadata.requestId!, UUID)
    })

    it('answers an identical retry with the same MeteringRecordId and status', async () => {
      const record = { Timestamp: midMonthHourAgo(3, 1), Dimension: 'api_calls', Quantity: 7 }
      const first = await one(record)
      const retry = await one({ ...record, Timestamp: midMonthHourAgo(3, 40) }) // same hour, other minute
      assert.equal(retry.Results![0]!.MeteringRecordId, first.Results![0]!.MeteringRecordId)
      assert.equal(retry.Results![0]!.Status, 'Success')
    })

    it('marks a different quantity for the same customer, dimension and hour as DuplicateRecord; the first write wins', async () => {
      const first = await one({ Timestamp: midMonthHourAgo(4), Quantity: 5 })
      const second = await one({ Timestamp: midMonthHourAgo(4, 30), Quantity: 6 })
      assert.equal(second.Results![0]!.Status, 'DuplicateRecord')
      assert.notEqual(second.Results![0]!.MeteringRecordId, first.Results![0]!.MeteringRecordId)
      const again = await one({ Timestamp: midMonthHourAgo(4), Quantity: 5 })
      assert.equal(again.Results![0]!.Status, 'Success')
      assert.equal(again.Results![0]!.MeteringRecordId, first.Results![0]!.MeteringRecordId)
      const duplicateAgain = await one({ Timestamp: midMonthHourAgo(4), Quantity: 6 })
      assert.equal(duplicateAgain.Results![0]!.MeteringRecordId, second.Results![0]!.MeteringRecordId)
    })

    it('answers CustomerNotSubscribed for an unknown customer and for hours after a license ended', async () => {
      const unknown = await one({ CustomerIdentifier: 'nobody', Timestamp: midMonthHourAgo(1) })
      assert.equal(unknown.Results![0]!.Status, 'CustomerNotSubscribed')
      assert.match(unknown.Results![0]!.MeteringRecordId!, UUID)
      const lapsedLate = await one({ CustomerIdentifier: 'lapsed-customer', Timestamp: midMonthHourAgo(0, 10) })
      assert.equal(lapsedLate.Results![0]!.Status, 'CustomerNotSubscribed')
      const lapsedEarly = await one({ CustomerIdentifier: 'lapsed-customer', Timestamp: midMonthHourAgo(1) })
      assert.equal(lapsedEarly.Results![0]!.Status, 'Success')
    })

    it('answers CustomerNotSubscribed even for hours before the end once the final-metering hour after it is over', async () => {
      const closedEarly = await one({ CustomerIdentifier: 'closed-customer', Timestamp: midMonthHourAgo(5) })
      assert.equal(closedEarly.Results![0]!.Status, 'CustomerNotSubscribed')
    })

    it('treats CustomerAWSAccountId and CustomerIdentifier of one customer as the same slot', async () => {
      const byId = await one({ Timestamp: midMonthHourAgo(6), Quantity: 2 })
      const byAccount = await one({
        Timestamp: midMonthHourAgo(6),
        Quantity: 2,
        CustomerIdentifier: undefined,
        CustomerAWSAccountId: BUYER_ACCOUNT,
      })
      assert.equal(byAccount.Results![0]!.Status, 'Success')
      assert.equal(byAccount.Results![0]!.MeteringRecordId, byId.Results![0]!.MeteringRecordId)
      assert.deepEqual(byAccount.Results![0]!.UsageRecord, {
        Timestamp: midMonthHourAgo(6),
        CustomerAWSAccountId: BUYER_ACCOUNT,
        Dimension: 'users',
        Quantity: 2,
      })
    })

    it('returns results in input order with a status for each record', async () => {
      const records = ['users', 'api_calls'].flatMap((dimension) =>
        [CUSTOMER, 'stranger'].map((customer) => ({
          Timestamp: midMonthHourAgo(7),
          CustomerIdentifier: customer,
          Dimension: dimension,
          Quantity: 1,
        })),
      )
      const out = await batch({ ProductCode: 'demo-saas', UsageRecords: records })
      assert.deepEqual(
        out.Results!.map((r) => [r.UsageRecord!.Dimension, r.UsageRecord!.CustomerIdentifier, r.Status]),
        [
          ['users', CUSTOMER, 'Success'],
          ['users', 'stranger', 'CustomerNotSubscribed'],
          ['api_calls', CUSTOMER, 'Success'],
          ['api_calls', 'stranger', 'CustomerNotSubscribed'],
        ],
      )
    })

    it('accepts 25 records and answers an empty batch with empty lists', async () => {
      const records = Array.from({ length: 25 }, (_, i) => ({
        Timestamp: midMonthHourAgo(8),
        CustomerIdentifier: `c-${i}`,
        Dimension: 'users',
        Quantity: i,
      }))
      assert.equal((await batch({ ProductCode: 'demo-saas', UsageRecords: records })).Results!.length, 25)
      const empty = await batch({ ProductCode: 'demo-saas', UsageRecords: [] })
      assert.deepEqual([empty.Results, empty.UnprocessedRecords], [[], []])
    })

    it('defaults a missing Quantity to 0 and echoes allocations', async () => {
      const allocations = [{ AllocatedUsageQuantity: 0, Tags: [{ Key: 'BusinessUnit', Value: 'IT' }] }, { AllocatedUsageQuantity: 0 }]
      const out = await one({ Timestamp: midMonthHourAgo(9), Quantity: undefined, UsageAllocations: allocations })
      assert.equal(out.Results![0]!.UsageRecord!.Quantity, 0)
      assert.deepEqual(out.Results![0]!.UsageRecord!.UsageAllocations, allocations)
    })

    it('meters by LicenseArn and CustomerAWSAccountId without a ProductCode (concurrent agreements)', async () => {
      const out = await batch({
        UsageRecords: [
          { Timestamp: midMonthHourAgo(10), CustomerAWSAccountId: BUYER_ACCOUNT, LicenseArn: LICENSE_ARN, Dimension: 'users', Quantity: 4 },
        ],
      })
      assert.equal(out.Results![0]!.Status, 'Success')
      assert.equal(out.Results![0]!.UsageRecord!.LicenseArn, LICENSE_ARN)
      const retry = await batch({
        UsageRecords: [
          { Timestamp: midMonthHourAgo(10), CustomerAWSAccountId: BUYER_ACCOUNT, LicenseArn: LICENSE_ARN, Dimension: 'users', Quantity: 4 },
        ],
      })
      assert.equal(retry.Results![0]!.MeteringRecordId, out.Results![0]!.MeteringRecordId)
    })
  })

  describe('errors', () => {
    it('refuses a product the caller does not publish with InvalidProductCodeException', async () => {
      for (const product of ['other-saas', 'no-such-product', 'demo-ami']) {
        const e = await errorOf(() => one({}, product))
        assert.equal(e.name, 'InvalidProductCodeException')
        assert.equal(e.message, 'The product code passed does not match the product code used for publishing the product.')
        assert.equal(e.$fault, 'client')
        assert.equal(e.$metadata?.httpStatusCode, 400)
      }
      const buyer = meterd.client(BUYER)
      const e = await errorOf(() => buyer.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [] })))
      assert.equal(e.name, 'InvalidProductCodeException')
    })

    it('refuses an unknown dimension with InvalidUsageDimensionException', async () => {
      const e = await errorOf(() => one({ Dimension: 'hosts' }))
      assert.equal(e.name, 'InvalidUsageDimensionException')
      assert.equal(e.message, "The usage dimension 'hosts' does not match one of the UsageDimensions associated with product demo-saas.")
    })

    it('requires exactly one of CustomerIdentifier and CustomerAWSAccountId', async () => {
      const both = await errorOf(() => one({ CustomerAWSAccountId: BUYER_ACCOUNT }))
      assert.equal(both.name, 'InvalidCustomerIdentifierException')
      assert.equal(both.message, 'CustomerIdentifier and CustomerAWSAccountId are mutually exclusive; send one of them per UsageRecord.')
      const neither = await errorOf(() => one({ CustomerIdentifier: undefined }))
      assert.equal(neither.name, 'InvalidCustomerIdentifierException')
      assert.equal(neither.message, 'Each UsageRecord needs a CustomerIdentifier or a CustomerAWSAccountId.')
    })

    it('checks usage allocations: sum, unique tag sets, at most 5 tag keys, unique keys', async () => {
      const sum = await errorOf(() => one({ Quantity: 3, UsageAllocations: [{ AllocatedUsageQuantity: 2 }] }))
      assert.equal(sum.name, 'InvalidUsageAllocationsException')
      assert.equal(sum.message, 'Sum of allocated usage quantities is not equal to the usage quantity (2 != 3).')
      const same = await errorOf(() =>
        one({
          Quantity: 2,
          UsageAllocations: [
            {
              AllocatedUsageQuantity: 1,
              Tags: [
                { Key: 'a', Value: '1' },
                { Key: 'b', Value: '2' },
              ],
            },
            {
              AllocatedUsageQuantity: 1,
              Tags: [
                { Key: 'b', Value: '2' },
                { Key: 'a', Value: '1' },
              ],
            },
          ],
        }),
      )
      assert.equal(same.name, 'InvalidUsageAllocationsException')
      assert.equal(same.message, 'Each UsageAllocation must have a unique set of tags (include no tags).')
      const many = await errorOf(() =>
        one({
          Quantity: 2,
          UsageAllocations: [
            { AllocatedUsageQuantity: 1, Tags: ['k1', 'k2', 'k3'].map((Key) => ({ Key, Value: 'v' })) },
            { AllocatedUsageQuantity: 1, Tags: ['k4', 'k5', 'k6'].map((Key) => ({ Key, Value: 'v' })) },
          ],
        }),
      )
      assert.equal(many.name, 'InvalidTagException')
      assert.equal(many.message, 'The number of tags is greater than 5: the UsageAllocations use 6 distinct tag keys.')
      const repeated = await errorOf(() =>
        one({
          Quantity: 1,
          UsageAllocations: [
            {
              AllocatedUsageQuantity: 1,
              Tags: [
                { Key: 'k', Value: '1' },
                { Key: 'k', Value: '2' },
              ],
            },
          ],
        }),
      )
      assert.equal(repeated.name, 'InvalidTagException')
    })

    it('refuses more than 25 records with a ValidationException naming usageRecords', async () => {
      const records = Array.from({ length: 26 }, () => ({
        Timestamp: midMonthHourAgo(1),
        CustomerIdentifier: CUSTOMER,
        Dimension: 'users',
      }))
      const e = await errorOf(() => batch({ ProductCode: 'demo-saas', UsageRecords: records }))
      assert.equal(e.name, 'ValidationException')
      assert.match(
        e.message,
        /^1 validation error detected: Value '.*' at 'usageRecords' failed to satisfy constraint: Member must have length less than or equal to 25$/,
      )
    })

    it('refuses ProductCode together with LicenseArn, and LicenseArn records that do not fit', async () => {
      const both = await errorOf(() => one({ CustomerIdentifier: undefined, CustomerAWSAccountId: BUYER_ACCOUNT, LicenseArn: LICENSE_ARN }))
      assert.equal(both.name, 'ValidationException')
      assert.equal(
        both.message,
        'ProductCode and LicenseArn are mutually exclusive: send ProductCode for the request, or LicenseArn in every UsageRecord.',
      )
      const wrongAccount = await errorOf(() =>
        batch({
          UsageRecords: [
            { Timestamp: midMonthHourAgo(1), CustomerAWSAccountId: '999999999999', LicenseArn: LICENSE_ARN, Dimension: 'users' },
          ],
        }),
      )
      assert.equal(wrongAccount.name, 'InvalidLicenseException')
      assert.equal(wrongAccount.message, `The LicenseArn ${LICENSE_ARN} does not belong to CustomerAWSAccountId 999999999999.`)
      const unknown = await errorOf(() =>
        batch({
          UsageRecords: [
            {
              Timestamp: midMonthHourAgo(1),
              CustomerAWSAccountId: BUYER_ACCOUNT,
              LicenseArn: 'arn:aws:license-manager::222222222222:license/l-nope',
              Dimension: 'users',
            },
          ],
        }),
      )
      assert.equal(unknown.name, 'InvalidLicenseException')
      const noProduct = await errorOf(() =>
        batch({ UsageRecords: [{ Timestamp: midMonthHourAgo(1), CustomerIdentifier: CUSTOMER, Dimension: 'users' }] }),
      )
      assert.equal(noProduct.name, 'ValidationException')
      assert.equal(noProduct.message, 'ProductCode is required unless every UsageRecord carries a LicenseArn.')
    })

    it('answers DisabledApiException in a Region where AWS does not serve BatchMeterUsage', async () => {
      const govcloud = meterd.client(undefined, 'us-gov-west-1')
      const e = await errorOf(() => govcloud.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [] })))
      assert.equal(e.name, 'DisabledApiException')
    })
  })
})

describe('BatchMeterUsage time window (clock pinned)', () => {
  // 2026-12-01T05:59:00Z: inside the 6-hour month-end grace of November.
  const NOW = Date.UTC(2026, 11, 1, 5, 59)
  let meterd: TestMeterd
  let seller: MarketplaceMeteringClient
  const at = (ms: number, quantity = 1, customer = CUSTOMER) => ({
    Timestamp: new Date(ms),
    CustomerIdentifier: customer,
    Dimension: 'users',
    Quantity: quantity,
  })

  before(async () => {
    meterd = await startMeterd({ nowMs: NOW })
    seller = meterd.client()
  })
  after(() => meterd.close())

  it('accepts a record just under 24 hours old and refuses one exactly 24 hours old', async () => {
    const ok = await seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [at(NOW - 24 * 3600_000 + 1000)] }))
    assert.equal(ok.Results![0]!.Status, 'Success')
    const e = await errorOf(() =>
      seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [at(NOW - 24 * 3600_000)] })),
    )
    assert.equal(e.name, 'TimestampOutOfBoundsException')
    assert.match(
      e.message,
      /^The timestamp value passed in the UsageRecord is out of allowed range: 2026-11-30T05:59:00.000Z is 24 hours or more in the past\./,
    )
  })

  it('refuses the whole batch when one record is out of the window, storing none of it', async () => {
    const good = at(NOW - 3600_000, 5, 'batch-atomicity')
    const e = await errorOf(() =>
      seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [good, at(NOW + 3600_000)] })),
    )
    assert.equal(e.name, 'TimestampOutOfBoundsException')
    // Had the good record been stored, another quantity for its slot would be a DuplicateRecord.
    const after = await seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [{ ...good, Quantity: 6 }] }))
    assert.equal(after.Results![0]!.Status, 'CustomerNotSubscribed')
    const again = await seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [{ ...good, Quantity: 5 }] }))
    assert.equal(again.Results![0]!.Status, 'DuplicateRecord')
  })

  it('accepts future timestamps within 15 minutes only', async () => {
    const ok = await seller.send(
      new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [at(NOW + 15 * 60_000, 1, 'future')] }),
    )
    assert.equal(ok.Results![0]!.Status, 'CustomerNotSubscribed')
    const e = await errorOf(() =>
      seller.send(new BatchMeterUsageCommand({ ProductCode: 'demo-saas', UsageRecords: [at(NOW + 15 * 60_000 + 1000)] })),
    )
    assert.equal(e.name, 'TimestampOutOfBoundsException')
  })
})

describe('BatchMeterUsage month-end grace (clock pinned after 06:00 UTC on the 1st)', () => {
  const NOW = Date.UTC(2026, 11, 1, 6, 0)
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd({ nowMs: NOW })
  })
  after(() => meterd.close())

  it('refuses usage of the closed month although it is less than 24 hours old', async () => {
    const seller = meterd.client()
    const e = await errorOf(() =>
      seller.send(
        new BatchMeterUsageCommand({
          ProductCode: 'demo-saas',
          UsageRecords: [
            { Timestamp: new Date(Date.UTC(2026, 10, 30, 23, 0)), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1 },
          ],
        }),
      ),
    )
    assert.equal(e.name, 'TimestampOutOfBoundsException')
    assert.match(e.message, /belongs to a billing month that closed at 2026-12-01T06:00:00.000Z/)
    const december = await seller.send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: new Date(Date.UTC(2026, 11, 1, 0, 0)), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1 }],
      }),
    )
    assert.equal(december.Results![0]!.Status, 'Success')
  })
})
