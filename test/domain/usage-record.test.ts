import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { batchSlotKey, duplicateAttemptKey, licenseSlotKey, meterSlotKey } from '../../src/domain/usage-record.js'
import { HOUR_MS, hourStartMs } from '../../src/shared/time.js'

// Instants from 2002 to 2286: hours in epoch milliseconds with 13 digits, as every real one has.
const instant = fc.integer({ min: Date.UTC(2002, 0, 1), max: 9_999_999_999_999 })
const text = fc.string({ maxLength: 12 })

describe('record identity: usage slot keys', () => {
  it("a record's slot key is the same for every retry within its hour, whatever the second", () => {
    fc.assert(
      fc.property(text, text, text, instant, fc.integer({ min: 0, max: HOUR_MS - 1 }), (product, customer, dimension, at, offset) => {
        const hour = hourStartMs(at)
        assert.equal(
          batchSlotKey(product, customer, dimension, hourStartMs(hour + offset)),
          batchSlotKey(product, customer, dimension, hourStartMs(at)),
        )
      }),
    )
  })

  it('two slots are the same only when product, customer, dimension and hour all are (no separator can make two differ-keys collide)', () => {
    fc.assert(
      fc.property(fc.tuple(text, text, text, instant), fc.tuple(text, text, text, instant), (a, b) => {
        const key = ([p, c, d, t]: [string, string, string, number]) => batchSlotKey(p, c, d, hourStartMs(t))
        const same = a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && hourStartMs(a[3]) === hourStartMs(b[3])
        assert.equal(key(a) === key(b), same)
      }),
    )
  })

  it('the kinds of slot never collide: BatchMeterUsage, LicenseArn, MeterUsage and refused attempts', () => {
    fc.assert(
      fc.property(text, text, text, instant, fc.nat(), (x, y, z, at, quantity) => {
        const hour = hourStartMs(at)
        const keys = [batchSlotKey(x, y, z, hour), licenseSlotKey(x, y, z, hour), meterSlotKey(x, y, z, hour)]
        keys.push(duplicateAttemptKey(keys[0]!, hour, quantity))
        assert.equal(new Set(keys).size, keys.length)
      }),
    )
  })

  it('keys of a later hour sort after every key of an earlier hour (new rows land at the end of the index)', () => {
    fc.assert(
      fc.property(text, text, text, text, instant, fc.integer({ min: 1, max: 10_000 }), (p1, c1, p2, c2, at, hours) => {
        const earlier = hourStartMs(at)
        const later = earlier + hours * HOUR_MS
        fc.pre(later <= 9_999_999_999_999)
        assert.ok(batchSlotKey(p1, c1, 'd', earlier) < meterSlotKey(p2, c2, 'd', later))
      }),
    )
  })
})
