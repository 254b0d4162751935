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

// Every key starts with its hour, so the UNIQUE index on them grows at the current hour's end
// instead of taking each new record on a random page of the whole ledger's index (in SQLite's
// WAL, one page written per record). Migration 0006 moved older ledgers' keys to this shape.
const key = (hourMs: number, ...parts: (string | number)[]) => JSON.stringify([hourMs, ...parts])

/** AWS deduplicates BatchMeterUsage per product/customer/dimension/hour. */
export const batchSlotKey = (productCode: string, customerKey: string, dimension: string, hourMs: number) =>
  key(hourMs, 'B', productCode, customerKey, dimension)

/** Concurrent-agreement records are keyed by account + license instead of product + customer. */
export const licenseSlotKey = (accountId: string, licenseArn: string, dimension: string, hourMs: number) =>
  key(hourMs, 'L', accountId, licenseArn, dimension)

/** MeterUsage: once per hour per dimension per EC2 instance / ECS task / EKS pod. */
export const meterSlotKey = (productCode: string, resourceId: string, dimension: string, hourMs: number) =>
  key(hourMs, 'M', productCode, resourceId, dimension)

/**
 * A refused DuplicateRecord attempt is kept too (nothing is dropped), under a key of its own so
 * that replaying the same refused record answers with the same MeteringRecordId.
 */
export const duplicateAttemptKey = (slotKey: string, hourMs: number, quantity: number) => key(hourMs, 'D', slotKey, quantity)

/** Same slot, same quantity: the retry of an earlier request, answered as that request was. */
export const isReplayOf = (existing: UsageRecord, incoming: UsageRecord): boolean => existing.quantity === incoming.quantity
