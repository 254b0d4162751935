import { AwsError } from '../errors/aws-error.js'

export interface Allocation {
  quantity: number
  tags: readonly { key: string; value: string }[]
}

const MAX_DISTINCT_TAG_KEYS = 5

/**
 * The allocation rules AWS applies after shape validation (same for both metering operations):
 * quantities add up to the record's quantity, every allocation has a distinct tag set (at most
 * one untagged bucket), tag keys are unique within an allocation and at most 5 keys overall.
 */
export function assertValidAllocations(quantity: number, allocations: readonly Allocation[] | undefined): void {
  if (!allocations) return
  const keysAcrossList = new Set<string>()
  const tagSets = new Set<string>()
  let sum = 0
  for (const allocation of allocations) {
    sum += allocation.quantity
    const keys = new Set<string>()
    for (const tag of allocation.tags) {
      if (keys.has(tag.key))
        throw new AwsError('InvalidTagException', `The tag key '${tag.key}' appears more than once in one UsageAllocation.`)
      keys.add(tag.key)
      keysAcrossList.add(tag.key)
    }
    const tagSet = JSON.stringify(allocation.tags.map((t) => [t.key, t.value]).sort())
    if (tagSets.has(tagSet)) {
      throw new AwsError('InvalidUsageAllocationsException', 'Each UsageAllocation must have a unique set of tags (include no tags).')
    }
    tagSets.add(tagSet)
  }
  if (keysAcrossList.size > MAX_DISTINCT_TAG_KEYS) {
    throw new AwsError(
      'InvalidTagException',
      `The number of tags is greater than ${MAX_DISTINCT_TAG_KEYS}: the UsageAllocations use ${keysAcrossList.size} distinct tag keys.`,
    )
  }
  if (sum !== quantity) {
    throw new AwsError(
      'InvalidUsageAllocationsException',
      `Sum of allocated usage quantities is not equal to the usage quantity (${sum} != ${quantity}).`,
    )
  }
}
