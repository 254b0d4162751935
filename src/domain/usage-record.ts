import type { Allocation } from './allocations.js'

export type UsageStatus = 'Success' | 'CustomerNotSubscribed' | 'DuplicateRecord'
export type MeteringOperation = 'BatchMeterUsage' | 'MeterUsage'

/** One metering event as the ledger keeps it: everything that was sent, and who sent it. */
export interface UsageRecord {
  meteringRecordId: string
  /** Identity of the (product, customer-or-resource, dimension, hour) slot this record claims. */
  dedupKey: string
  operation: MeteringOperation
  status: UsageStatus
  productCode: string
  dimension: string
  quantity: number
  /** As sent (may carry a fraction of a second). */
  timestampMs: number
  hourMs: number
  customerIdentifier?: string
  customerAccountId?: string
  licenseArn?: string
  /** The EC2 instance / ECS task / EKS pod a MeterUsage call came from. */
  resourceId?: string
  allocations?: Allocation[]
  callerAccountId: string
  callerAccessKeyId?: string
  requestId: string
  receivedAtMs: number
}

const key = (...parts: (string | number)[]) => JSON.stringify(parts)

/** AWS deduplicates BatchMeterUsage per product/customer/dimension/hour. */
export const batchSlotKey = (productCode: string, customerKey: string, dimension: string, hourMs: number) =>
  key('B', productCode, customerKey, dimension, hourMs)

/** Concurrent-agreement records are keyed by account + license instead of product + customer. */
export const licenseSlotKey = (accountId: string, licenseArn: string, dimension: string, hourMs: number) =>
  key('L', accountId, licenseArn, dimension, hourMs)

/** MeterUsage: once per hour per dimension per EC2 instance / ECS task / EKS pod. */
export const meterSlotKey = (productCode: string, resourceId: string, dimension: string, hourMs: number) =>
  key('M', productCode, resourceId, dimension, hourMs)

/**
 * A refused DuplicateRecord attempt is kept too (nothing is dropped), under a key of its own so
 * that replaying the same refused record answers with the same MeteringRecordId.
 */
export const duplicateAttemptKey = (slotKey: string, quantity: number) => key('D', slotKey, quantity)

/** Same slot, same quantity: the retry of an earlier request, answered as that request was. */
export const isReplayOf = (existing: UsageRecord, incoming: UsageRecord): boolean => existing.quantity === incoming.quantity
