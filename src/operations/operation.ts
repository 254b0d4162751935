import type { Catalog } from '../catalog/catalog.js'
import type { MeteringWindows } from '../domain/metering-windows.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { Ledger } from '../ledger/ledger.js'
import type { Caller, Operation } from '../protocol/service.js'
import type { StructureShape } from '../protocol/shape.js'

export type { Caller } from '../protocol/service.js'

/** What a Marketplace operation runs with, besides its input. */
export interface OperationContext {
  caller: Caller
  requestId: string
  /** meterd's "now" for metering rules (the virtual clock, not necessarily real time). */
  nowMs: number
  catalog: Catalog
  ledger: Ledger
  windows: MeteringWindows
  keys: KeyRing
  /** An injected fault: BatchMeterUsage returns this share of the records unprocessed. */
  unprocessedShare?: number
  /** An injected fault: GetEntitlements answers without `Entitlements`, or with an empty page that carries a NextToken. */
  entitlementsAnswer?: 'omitted' | 'empty-page'
  /** The buyer account that unknown callers act as in permissive mode. */
  anonymousBuyerAccountId?: string
}

export const defineOperation = <S extends StructureShape>(op: Operation<OperationContext, S>): Operation<OperationContext, S> => op
