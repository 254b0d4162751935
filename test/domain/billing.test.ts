import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { createMemoryCatalog } from '../../src/catalog/catalog.js'
import { batchRecordStatus, billRecord, customerFieldsProblem } from '../../src/domain/billing.js'
import { grantCovers, isAccountEntitled } from '../../src/domain/entitlement.js'
import type { License, Product, World } from '../../src/domain/world.js'
import { HOUR_MS } from '../../src/shared/time.js'

const T0 = Date.UTC(2026, 9, 1)
const product: Product = {
  code: 'p',
  type: 'saas',
  seller: '111111111111',
  pricing: 'usage',
  dimensions: [{ name: 'users' }],
  contractDimensions: [],
  integration: 'concurrent-agreements',
  notifications: 'both',
}
const world: World = {
  accounts: [{ id: '111111111111', credentials: [] }],
  products: [product],
  customers: [
    { identifier: 'alice', accountId: '222222222222' },
    { identifier: 'bob', accountId: '333333333333' },
  ],
  licenses: [
    {
      arn: 'arn:aws:license-manager::222222222222:license/l-a',
      customer: 'alice',
      product: 'p',
      start: T0,
      end: T0 + 10 * HOUR_MS,
      status: 'ended',
    },
  ],
  offers: [],
  agreements: [],
  notifications: [],
}
const lookup = createMemoryCatalog(world)
const at = T0 + 2 * HOUR_MS + 123

describe('who a BatchMeterUsage record bills', () => {
  it('names the same slot whether the customer is given by identifier or by account id', () => {
    const byId = billRecord({ customerIdentifier: 'alice', dimension: 'users', timestampMs: at }, product, lookup)
    const byAccount = billRecord({ customerAccountId: '222222222222', dimension: 'users', timestampMs: at + 60_000 }, product, lookup)
    assert.ok(byId.ok && byAccount.ok)
    assert.equal(byId.billing.slotKey, byAccount.billing.slotKey)
    assert.equal(batchRecordStatus(byId.billing, { usageAtMs: at, nowMs: at, finalMeteringMs: HOUR_MS }), 'Success')
  })

  it('bills a customer without a covering grant as CustomerNotSubscribed, and an unknown one too (kept, not refused)', () => {
    const bob = billRecord({ customerIdentifier: 'bob', dimension: 'users', timestampMs: at }, product, lookup)
    const nobody = billRecord({ customerIdentifier: 'nobody', dimension: 'users', timestampMs: at }, product, lookup)
    assert.ok(bob.ok && nobody.ok)
    assert.equal(batchRecordStatus(bob.billing, { usageAtMs: at, nowMs: at, finalMeteringMs: HOUR_MS }), 'CustomerNotSubscribed')
    assert.equal(batchRecordStatus(nobody.billing, { usageAtMs: at, nowMs: at, finalMeteringMs: HOUR_MS }), 'CustomerNotSubscribed')
    assert.notEqual(bob.billing.slotKey, nobody.billing.slotKey)
  })

  it("a LicenseArn must be the named account's, and usage may not precede its activation", () => {
    const licenseArn = world.licenses[0]!.arn
    assert.deepEqual(billRecord({ customerAccountId: '333333333333', licenseArn, dimension: 'users', timestampMs: at }, product, lookup), {
      ok: false,
      licenseProblem: `The LicenseArn ${licenseArn} does not belong to CustomerAWSAccountId 333333333333.`,
    })
    assert.deepEqual(
      billRecord({ customerAccountId: '222222222222', licenseArn, dimension: 'users', timestampMs: T0 - 1 }, product, lookup),
      {
        ok: false,
        licenseProblem: 'Usage at 2026-09-30T23:59:59.999Z is before the license activation period.',
      },
    )
    const ok = billRecord({ customerAccountId: '222222222222', licenseArn, dimension: 'users', timestampMs: at }, product, lookup)
    assert.ok(ok.ok)
    assert.notEqual(
      ok.billing.slotKey,
      (
        billRecord({ customerIdentifier: 'alice', dimension: 'users', timestampMs: at }, product, lookup) as {
          billing: { slotKey: string }
        }
      ).billing.slotKey,
    )
  })

  it('needs exactly one of CustomerIdentifier and CustomerAWSAccountId (an empty identifier counts as none)', () => {
    assert.equal(customerFieldsProblem({ customerIdentifier: 'a' }), undefined)
    assert.equal(customerFieldsProblem({ customerAccountId: '1', customerIdentifier: '' }), undefined)
    assert.equal(customerFieldsProblem({}), 'Each UsageRecord needs a CustomerIdentifier or a CustomerAWSAccountId.')
    assert.equal(
      customerFieldsProblem({ customerIdentifier: 'a', customerAccountId: '1' }),
      'CustomerIdentifier and CustomerAWSAccountId are mutually exclusive; send one of them per UsageRecord.',
    )
  })
})

describe('entitlement at a time', () => {
  const grant = (over: Partial<License>): License => ({
    arn: 'arn:aws:license-manager::1:license/l',
    customer: 'c',
    product: 'p',
    start: 1_000,
    status: 'active',
    ...over,
  })

  it('covers [start, end): from the start of the second it began in (timestamps travel in whole seconds), end excluded; an ended license still covers the hours before its end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: -5_000, max: 25_000 }),
        (start, length, t) => {
          const ended = grant({ start, end: start + length, status: 'ended' })
          assert.equal(grantCovers(ended, t), t >= Math.floor(start / 1000) * 1000 && t < start + length)
        },
      ),
    )
    // Subscribed at 10:00:00.400, usage stamped 10:00:00 by an SDK that sends whole seconds: covered; 09:59:59 is not.
    const late = grant({ start: 1_400, end: null, status: 'active' })
    assert.equal(grantCovers(late, 1_000), true)
    assert.equal(grantCovers(late, 999), false)
  })

  it('an open-ended active license covers everything from its start; suspended covers nothing; ended without an end covers nothing', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5_000, max: 25_000 }), (t) => {
        assert.equal(grantCovers(grant({}), t), t >= 1_000)
        assert.equal(grantCovers(grant({ status: 'suspended', end: 50_000 }), t), false)
        assert.equal(grantCovers(grant({ status: 'ended' }), t), false)
      }),
    )
  })

  it('an account is entitled through any of its customers', () => {
    const m = (usageAtMs: number, nowMs = usageAtMs) => ({ usageAtMs, nowMs, finalMeteringMs: HOUR_MS })
    assert.equal(isAccountEntitled(lookup, '222222222222', 'p', m(at)), true)
    assert.equal(isAccountEntitled(lookup, '222222222222', 'p', m(T0 + 10 * HOUR_MS)), false)
    assert.equal(isAccountEntitled(lookup, '333333333333', 'p', m(at)), false)
    assert.equal(isAccountEntitled(lookup, '999999999999', 'p', m(at)), false)
  })

  it('honours usage of an ended grant only until the final-metering window after its end closes', () => {
    // The license ended at T0 + 10 h: usage before its end counts while reported before T0 + 11 h.
    const m = (usageAtMs: number, nowMs: number) => ({ usageAtMs, nowMs, finalMeteringMs: HOUR_MS })
    const end = T0 + 10 * HOUR_MS
    assert.equal(isAccountEntitled(lookup, '222222222222', 'p', m(end - 1, end + HOUR_MS - 1)), true)
    assert.equal(isAccountEntitled(lookup, '222222222222', 'p', m(end - 1, end + HOUR_MS)), false)
    assert.equal(isAccountEntitled(lookup, '222222222222', 'p', m(end, end + 1)), false)
  })
})
