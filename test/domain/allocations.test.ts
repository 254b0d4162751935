import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { type Allocation, allocationProblem } from '../../src/domain/allocations.js'

const tag = (key: string, value: string) => ({ key, value })

/** Allocations AWS accepts: distinct tag sets, unique keys per allocation, at most 5 keys overall. */
const validAllocations = fc
  .uniqueArray(fc.subarray(['a', 'b', 'c', 'd', 'e']), { minLength: 1, maxLength: 8, selector: (keys) => keys.join(',') })
  .chain((keySets) =>
    fc.tuple(fc.constant(keySets), fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: keySets.length, maxLength: keySets.length })),
  )
  .map(([keySets, quantities]): Allocation[] =>
    keySets.map((keys, i) => ({ quantity: quantities[i]!, tags: keys.map((k) => tag(k, 'v')) })),
  )
const sum = (allocations: readonly Allocation[]) => allocations.reduce((n, a) => n + a.quantity, 0)

describe('usage allocations', () => {
  it('accepts allocations whose quantities add up, with distinct tag sets and at most 5 keys', () => {
    fc.assert(fc.property(validAllocations, (allocations) => assert.equal(allocationProblem(sum(allocations), allocations), undefined)))
  })

  it('refuses any other total (InvalidUsageAllocationsException), naming both sums', () => {
    fc.assert(
      fc.property(validAllocations, fc.integer({ min: 1, max: 50 }), (allocations, extra) => {
        assert.deepEqual(allocationProblem(sum(allocations) + extra, allocations), {
          kind: 'allocations',
          message: `Sum of allocated usage quantities is not equal to the usage quantity (${sum(allocations)} != ${sum(allocations) + extra}).`,
        })
      }),
    )
  })

  it('refuses two allocations with the same tag set, in any tag order; at most one untagged bucket', () => {
    const sameSet = [
      { quantity: 1, tags: [tag('a', '1'), tag('b', '2')] },
      { quantity: 1, tags: [tag('b', '2'), tag('a', '1')] },
    ]
    assert.equal(allocationProblem(2, sameSet)?.kind, 'allocations')
    assert.equal(
      allocationProblem(2, [
        { quantity: 1, tags: [] },
        { quantity: 1, tags: [] },
      ])?.message,
      'Each UsageAllocation must have a unique set of tags (include no tags).',
    )
    assert.equal(
      allocationProblem(2, [
        { quantity: 1, tags: [] },
        { quantity: 1, tags: [tag('a', '1')] },
      ]),
      undefined,
    )
  })

  it('refuses a key twice in one allocation and a sixth distinct key (InvalidTagException)', () => {
    assert.deepEqual(allocationProblem(1, [{ quantity: 1, tags: [tag('a', '1'), tag('a', '2')] }]), {
      kind: 'tag',
      message: "The tag key 'a' appears more than once in one UsageAllocation.",
    })
    const sixKeys = ['a', 'b', 'c', 'd', 'e', 'f'].map((k) => ({ quantity: 1, tags: [tag(k, 'v')] }))
    assert.deepEqual(allocationProblem(6, sixKeys), {
      kind: 'tag',
      message: 'The number of tags is greater than 5: the UsageAllocations use 6 distinct tag keys.',
    })
  })

  it('no allocations means nothing to check', () => {
    assert.equal(allocationProblem(7, undefined), undefined)
  })
})
