import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BatchMeterUsageInput } from '../../src/operations/batch-meter-usage.js'
import { MeterUsageInput } from '../../src/operations/meter-usage.js'
import { check } from '../../src/protocol/shape.js'

const failure = (fn: () => unknown) => {
  try {
    fn()
  } catch (error) {
    return error as { code: string; message: string }
  }
  assert.fail('expected a failure')
}

describe('shape checking', () => {
  it('names the member path of a too-long dimension the way AWS does', () => {
    const e = failure(() => check(BatchMeterUsageInput, { ProductCode: 'p', UsageRecords: [{ Timestamp: 1, Dimension: 'x'.repeat(256) }] }))
    assert.equal(e.code, 'ValidationException')
    assert.equal(
      e.message,
      `1 validation error detected: Value '${'x'.repeat(256)}' at 'usageRecords.1.member.dimension' failed to satisfy constraint: Member must have length less than or equal to 255`,
    )
  })

  it('reports every violation in one message', () => {
    const e = failure(() => check(MeterUsageInput, { ProductCode: 'bad code!', Timestamp: 1, UsageDimension: 'd', UsageQuantity: -1 }))
    assert.equal(
      e.message,
      "2 validation errors detected: Value 'bad code!' at 'productCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[-a-zA-Z0-9/=:_.@]*$; Value '-1' at 'usageQuantity' failed to satisfy constraint: Member must have value greater than or equal to 0",
    )
  })

  it('requires members with "Member must not be null"', () => {
    const e = failure(() => check(MeterUsageInput, { Timestamp: 1, UsageDimension: 'd' }))
    assert.equal(
      e.message,
      "1 validation error detected: Value null at 'productCode' failed to satisfy constraint: Member must not be null",
    )
  })

  it('compiles the tag pattern verbatim: " -=" is a range, so "#" and "!" pass', () => {
    const ok = check(MeterUsageInput, {
      ProductCode: 'p',
      Timestamp: 1,
      UsageDimension: 'd',
      UsageQuantity: 1,
      UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'a#b!', Value: 'x;y<' }] }],
    })
    assert.equal(ok.UsageAllocations?.[0]?.Tags?.[0]?.Key, 'a#b!')
    const e = failure(() =>
      check(MeterUsageInput, {
        ProductCode: 'p',
        Timestamp: 1,
        UsageDimension: 'd',
        UsageQuantity: 1,
        UsageAllocations: [{ AllocatedUsageQuantity: 1, Tags: [{ Key: 'a>b', Value: 'v' }] }],
      }),
    )
    assert.equal(
      e.message,
      "1 validation error detected: Value 'a>b' at 'usageAllocations.1.member.tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9+ -=._:\\/@]+$",
    )
  })

  it('counts lengths in code points, not UTF-16 units', () => {
    const dimension = '😀'.repeat(255)
    assert.equal(check(MeterUsageInput, { ProductCode: 'p', Timestamp: 1, UsageDimension: dimension }).UsageDimension, dimension)
  })

  it('refuses wrong JSON types with SerializationException', () => {
    const d = failure(() => check(MeterUsageInput, { ProductCode: 5, Timestamp: 1, UsageDimension: 'd' }))
    assert.equal(d.code, 'SerializationException')
    assert.equal(d.message, 'VALUE_NUMBER_INT can not be converted to a String')
    const e = failure(() => check(MeterUsageInput, { ProductCode: 'p', Timestamp: '2026-01-01', UsageDimension: 'd' }))
    assert.equal(e.code, 'SerializationException')
    assert.equal(e.message, 'VALUE_STRING can not be converted to a Timestamp')
    const f = failure(() => check(MeterUsageInput, { ProductCode: 'p', Timestamp: 1, UsageDimension: 'd', UsageQuantity: 1.5 }))
    assert.equal(f.message, 'VALUE_NUMBER_FLOAT can not be converted to an Integer')
    const g = failure(() => check(MeterUsageInput, { ProductCode: 'p', Timestamp: 1, UsageDimension: 'd', UsageQuantity: 2147483648 }))
    assert.equal(g.message, 'Numeric value (2147483648) out of range of int')
  })

  it('accepts fractional epoch seconds and ignores unknown members', () => {
    const input = check(MeterUsageInput, { ProductCode: 'p', Timestamp: 1782907200.123, UsageDimension: 'd', SomethingNew: true })
    assert.equal(input.Timestamp, 1782907200.123)
  })
})
