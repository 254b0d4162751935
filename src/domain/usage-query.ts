import type { MeteringOperation, UsageStatus } from './usage-record.js'

/** Which end of a listing comes first. */
export type ListOrder = 'oldest-first' | 'newest-first'

/** Filters of a ledger query; every field narrows. Time bounds apply to the usage timestamp, [from, to). */
export interface UsageQuery {
  productCode?: string
  customerIdentifier?: string
  customerAccountId?: string
  dimension?: string
  status?: UsageStatus
  operation?: MeteringOperation
  fromMs?: number
  toMs?: number
  tagKey?: string
  tagValue?: string
}

/** Keyset position: records are listed in (receivedAtMs, meteringRecordId) order, which new records only extend. */
export interface RecordCursor {
  receivedAtMs: number
  meteringRecordId: string
}

/** A partial sum the store computes; the aggregation into windows and time zones happens above it. */
export interface UsageSum {
  productCode: string
  customer: string
  dimension: string
  /** The tag value when grouping by an allocation tag key. */
  tagValue?: string
  /** Start of the 15-minute slice (every time zone's offset is a multiple of 15 minutes). */
  sliceStartMs: number
  quantity: number
  records: number
}

export const SLICE_MS = 15 * 60 * 1000

/** Records (and their quantity) of one status. */
export interface UsageStatusCount {
  status: UsageStatus
  records: number
  quantity: number
}
