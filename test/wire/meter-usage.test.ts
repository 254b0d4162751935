import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type MarketplaceMeteringClient, MeterUsageCommand, type MeterUsageCommandInput } from '@aws-sdk/client-marketplace-metering'
import { DEMO_WORLD } from '../../src/catalog/demo-world.js'
import { BUYER, errorOf, hourAgo, startMeterd, type TestMeterd } from '../helpers/meterd.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const STRANGER = { accessKeyId: 'AKIASTRANGERBUYER001', secretAccessKey: 'stranger' }
const TASK_B = { accessKeyId: 'AKIAMETERDBUYERTASKB', secretAccessKey: 'task-b' }

describe('MeterUsage', () => {
  let meterd: TestMeterd
  let buyer: MarketplaceMeteringClient
  const meter = (input: Partial<MeterUsageCommandInput>, client = buyer) =>
    client.send(
      new MeterUsageCommand({
        ProductCode: 'demo-ami',
        Timestamp: hourAgo(1, 5),
        UsageDimension: 'hosts',
        UsageQuantity: 1,
        ...input,
      }),
    )

  before(async () => {
    meterd = await startMeterd({
      world: {
        ...DEMO_WORLD,
        accounts: [
          ...DEMO_WORLD.accounts!.map((a) =>
            a.id !== '222222222222'
              ? a
              : {
                  ...a,
                  credentials: [...a.credentials!, { ...TASK_B, region: 'us-east-1', resourceId: 'task-b' }],
                },
          ),
          { id: '555555555555', credentials: [{ ...STRANGER, region: 'us-east-1', resourceId: 'i-stranger' }] },
        ],
      },
    })
    buyer = meterd.client(BUYER)
  })
  after(() => meterd.close())

  describe('behaviour', () => {
    it('returns a MeteringRecordId (a UUID) for an entitled buyer', async () => {
      const out = await meter({ Timestamp: hourAgo(1), UsageQuantity: 2 })
      assert.match(out.MeteringRecordId!, UUID)
      assert.equal(out.$metadata.httpStatusCode, 200)
    })

    it('rounds the timestamp down to the hour: the same quantity again returns the same id', async () => {
      const first = await meter({ Timestamp: hourAgo(2, 1), UsageQuantity: 4 })
      const retry = await meter({ Timestamp: hourAgo(2, 59), UsageQuantity: 4 })
      assert.equal(retry.MeteringRecordId, first.MeteringRecordId)
    })

    it('refuses a different quantity in the same hour with DuplicateRequestException', async () => {
      await meter({ Timestamp: hourAgo(3), UsageQuantity: 4 })
      const e = await errorOf(() => meter({ Timestamp: hourAgo(3, 20), UsageQuantity: 5 }))
      assert.equal(e.name, 'DuplicateRequestException')
      assert.equal(e.$metadata?.httpStatusCode, 400)
      assert.equal(
        e.message,
        'A metering record has already been emitted by the same EC2 instance, ECS task, or EKS pod for the given {usageDimension, timestamp} with a different usageQuantity.',
      )
    })

    it('keeps one slot per resource: another task of the same buyer meters the same hour separately', async () => {
      const a = await meter({ Timestamp: hourAgo(4), UsageQuantity: 1 })
      const b = await meter({ Timestamp: hourAgo(4), UsageQuantity: 9 }, meterd.client(TASK_B))
      assert.notEqual(a.MeteringRecordId, b.MeteringRecordId)
      const nextHour = await meter({ Timestamp: hourAgo(3, 30), UsageQuantity: 9 }, meterd.client(TASK_B))
      assert.notEqual(nextHour.MeteringRecordId, b.MeteringRecordId)
    })

    it('replays a reused ClientToken with the same parameters and answers 409 IdempotencyConflictException for other parameters', async () => {
      const token = `token-${Date.now()}`
      const first = await meter({ Timestamp: hourAgo(5), UsageQuantity: 3, ClientToken: token })
      const replay = await meter({ Timestamp: hourAgo(5), UsageQuantity: 3, ClientToken: token })
      assert.equal(replay.MeteringRecordId, first.MeteringRecordId)
      const e = await errorOf(() => meter({ Timestamp: hourAgo(5), UsageQuantity: 4, ClientToken: token }))
      assert.equal(e.name, 'IdempotencyConflictException')
      assert.equal(e.$metadata?.httpStatusCode, 409)
      assert.equal(e.message, 'The ClientToken is being used for multiple requests.')
    })

    it('does not open a second record in an hour because the SDK sent a fresh ClientToken', async () => {
      const a = await meter({ Timestamp: hourAgo(5, 10), UsageQuantity: 3, UsageDimension: 'hosts', ProductCode: 'demo-container' }).catch(
        (e) => e,
      )
      assert.equal(a.name, 'InvalidUsageDimensionException') // demo-container meters vcpu_hours
      const first = await meter({
        ProductCode: 'demo-container',
        UsageDimension: 'vcpu_hours',
        Timestamp: hourAgo(5),
        UsageQuantity: 2,
        ClientToken: 'tok-1',
      })
      const second = await meter({
        ProductCode: 'demo-container',
        UsageDimension: 'vcpu_hours',
        Timestamp: hourAgo(5),
        UsageQuantity: 2,
        ClientToken: 'tok-2',
      })
      assert.equal(second.MeteringRecordId, first.MeteringRecordId)
    })

    it('with DryRun validates, answers DryRunOperation and records nothing', async () => {
      const e = await errorOf(() => meter({ Timestamp: hourAgo(0), UsageQuantity: 8, DryRun: true }))
      assert.equal(e.name, 'DryRunOperation')
      assert.equal(e.message, 'Request would have succeeded, but DryRun flag is set.')
      const real = await meter({ Timestamp: hourAgo(0), UsageQuantity: 7 }) // would be a duplicate had the dry run recorded
      assert.match(real.MeteringRecordId!, UUID)
      const invalid = await errorOf(() => meter({ Timestamp: hourAgo(0), UsageQuantity: 7, DryRun: true, UsageDimension: 'nope' }))
      assert.equal(invalid.name, 'InvalidUsageDimensionException')
    })

    it('survives a restart: a replay returns the stored id and a conflicting token still conflicts', async () => {
      const stored = await meter({
        Timestamp: hourAgo(1, 30),
        UsageQuantity: 6,
        ProductCode: 'demo-container',
        UsageDimension: 'vcpu_hours',
        ClientToken: 'durable',
      })
      await meterd.restart()
      const fresh = meterd.client(BUYER) // the old client's kept-alive socket died with the old server
      buyer = fresh
      const replay = await meter(
        { Timestamp: hourAgo(1, 30), UsageQuantity: 6, ProductCode: 'demo-container', UsageDimension: 'vcpu_hours' },
        fresh,
      )
      assert.equal(replay.MeteringRecordId, stored.MeteringRecordId)
      const conflict = await errorOf(() =>
        meter(
          {
            Timestamp: hourAgo(1, 30),
            UsageQuantity: 7,
            ProductCode: 'demo-container',
            UsageDimension: 'vcpu_hours',
            ClientToken: 'durable',
          },
          fresh,
        ),
      )
      assert.equal(conflict.name, 'IdempotencyConflictException')
    })
  })

  describe('errors', () => {
    it('answers CustomerNotEntitledException to a buyer without a license', async () => {
      const e = await errorOf(() => meter({}, meterd.client(STRANGER)))
      assert.equal(e.name, 'CustomerNotEntitledException')
      assert.equal(e.message, 'The customer does not have a valid subscription for the product demo-ami.')
    })

    it('answers InvalidProductCodeException for unknown and SaaS products', async () => {
      for (const ProductCode of ['nope', 'demo-saas']) {
        const e = await errorOf(() => meter({ ProductCode }))
        assert.equal(e.name, 'InvalidProductCodeException')
      }
    })

    it('answers InvalidEndpointRegionException when signed for another Region than the resource', async () => {
      const e = await errorOf(() => meter({}, meterd.client(BUYER, 'eu-west-1')))
      assert.equal(e.name, 'InvalidEndpointRegionException')
      assert.match(
        e.message,
        /^The endpoint being called is in eu-west-1, a Region different from your EC2 instance, ECS task, or EKS pod \(us-east-1\)/,
      )
    })

    it('answers InvalidUsageDimensionException, InvalidUsageAllocationsException and InvalidTagException', async () => {
      assert.equal((await errorOf(() => meter({ UsageDimension: 'users' }))).name, 'InvalidUsageDimensionException')
      const sum = await errorOf(() => meter({ UsageQuantity: 5, UsageAllocations: [{ AllocatedUsageQuantity: 4 }] }))
      assert.equal(sum.name, 'InvalidUsageAllocationsException')
      const twoUntagged = await errorOf(() =>
        meter({ UsageQuantity: 2, UsageAllocations: [{ AllocatedUsageQuantity: 1 }, { AllocatedUsageQuantity: 1 }] }),
      )
      assert.equal(twoUntagged.name, 'InvalidUsageAllocationsException')
      const tags = await errorOf(() =>
        meter({
          UsageQuantity: 1,
          UsageAllocations: [
            {
              AllocatedUsageQuantity: 1,
              Tags: [
                { Key: 'k', Value: 'a' },
                { Key: 'k', Value: 'b' },
              ],
            },
          ],
        }),
      )
      assert.equal(tags.name, 'InvalidTagException')
    })

    it('answers ValidationException for constraint violations with the member path', async () => {
      const e = await errorOf(() => meter({ UsageQuantity: -1, ClientToken: 'x'.repeat(65) }))
      assert.equal(e.name, 'ValidationException')
      assert.equal(
        e.message,
        `2 validation errors detected: Value '-1' at 'usageQuantity' failed to satisfy constraint: Member must have value greater than or equal to 0; Value '${'x'.repeat(65)}' at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64`,
      )
    })
  })
})

describe('MeterUsage time window (clock pinned)', () => {
  const NOW = Date.UTC(2026, 10, 22, 12, 30)
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd({ nowMs: NOW })
  })
  after(() => meterd.close())

  it('accepts exactly 6 hours ago and refuses anything older, or more than 15 minutes ahead', async () => {
    const buyer = meterd.client(BUYER)
    const send = (ms: number) =>
      buyer.send(new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: new Date(ms), UsageDimension: 'hosts', UsageQuantity: 1 }))
    assert.match((await send(NOW - 6 * 3600_000)).MeteringRecordId!, UUID)
    const old = await errorOf(() => send(NOW - 6 * 3600_000 - 1000))
    assert.equal(old.name, 'TimestampOutOfBoundsException')
    assert.equal(
      old.message,
      'The timestamp value passed in the request is out of allowed range: 2026-11-22T06:29:59.000Z is more than 6 hours in the past.',
    )
    assert.match((await send(NOW + 15 * 60_000)).MeteringRecordId!, UUID)
    const future = await errorOf(() => send(NOW + 15 * 60_000 + 1000))
    assert.equal(future.name, 'TimestampOutOfBoundsException')
  })
})
