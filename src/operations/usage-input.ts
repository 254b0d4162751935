import { type Allocation, allocationProblem } from '../domain/allocations.js'
import { AwsError } from '../errors/aws-error.js'
import type { Infer } from '../protocol/shape.js'
import type { UsageAllocations } from './shapes.js'

/** Wire → domain for UsageAllocations (AWS member names stop here). */
export function toAllocations(wire: Infer<typeof UsageAllocations> | undefined): Allocation[] | undefined {
  return wire?.map((a) => ({
    quantity: a.AllocatedUsageQuantity,
    tags: (a.Tags ?? []).map((t) => ({ key: t.Key, value: t.Value })),
  }))
}

/** The allocation rules, answered with AWS's errors: tag rules → InvalidTagException, the rest → InvalidUsageAllocationsException. */
export function assertValidAllocations(quantity: number, allocations: readonly Allocation[] | undefined): void {
  const problem = allocationProblem(quantity, allocations)
  if (problem) throw new AwsError(problem.kind === 'tag' ? 'InvalidTagException' : 'InvalidUsageAllocationsException', problem.message)
}

/** Epoch seconds (integer or fractional, as SDKs send them) → epoch milliseconds. */
export const secondsToMs = (seconds: number): number => Math.round(seconds * 1000)
