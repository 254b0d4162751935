export interface Allocation {
  quantity: number
  tags: readonly { key: string; value: string }[]
}

/** Why allocations are refused: `tag` for the tag rules (InvalidTagException on the wire), `allocations` for the rest. */
export interface AllocationProblem {
  kind: 'tag' | 'allocations'
  message: string
}

export const MAX_DISTINCT_TAG_KEYS = 5

/**
 * The allocation rules AWS applies after shape validation (same for both metering operations):
 * quantities add up to the record's quantity, every allocation has a distinct tag set (at most
 * one untagged bucket), tag keys are unique within an allocation and at most 5 keys overall.
 * The first rule broken, in that order of discovery, or undefined when the allocations are valid.
 */
export function allocationProblem(quantity: number, allocations: readonly Allocation[] | undefined): AllocationProblem | undefined {
  if (!allocations) return undefined
  const keysAcrossList = new Set<string>()
  const tagSets = new Set<string>()
  let sum = 0
  for (const allocation of allocations) {
    sum += allocation.quantity
    const keys = new Set<string>()
    for (const tag of allocation.tags) {
      if (keys.has(tag.key)) return { kind: 'tag', message: `The tag key '${tag.key}' appears more than once in one UsageAllocation.` }
      keys.add(tag.key)
      keysAcrossList.add(tag.key)
    }
    const tagSet = JSON.stringify(allocation.tags.map((t) => [t.key, t.value]).sort())
    if (tagSets.has(tagSet))
      return { kind: 'allocations', message: 'Each UsageAllocation must have a unique set of tags (include no tags).' }
    tagSets.add(tagSet)
  }
  if (keysAcrossList.size > MAX_DISTINCT_TAG_KEYS) {
    return {
      kind: 'tag',
      message: `The number of tags is greater than ${MAX_DISTINCT_TAG_KEYS}: the UsageAllocations use ${keysAcrossList.size} distinct tag keys.`,
    }
  }
  if (sum !== quantity) {
    return { kind: 'allocations', message: `Sum of allocated usage quantities is not equal to the usage quantity (${sum} != ${quantity}).` }
  }
  return undefined
}
