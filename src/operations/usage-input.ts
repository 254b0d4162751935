import type { Allocation } from '../domain/allocations.js'
import type { Infer } from '../protocol/shape.js'
import type { UsageAllocations } from './shapes.js'

/** Wire → domain for UsageAllocations (AWS member names stop here). */
export function toAllocations(wire: Infer<typeof UsageAllocations> | undefined): Allocation[] | undefined {
  return wire?.map((a) => ({
    quantity: a.AllocatedUsageQuantity,
    tags: (a.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
  }))
}

/** Epoch seconds (integer or fractional, as SDKs send them) → epoch milliseconds. */
export const secondsToMs = (seconds: number): number => Math.round(seconds * 1000)
