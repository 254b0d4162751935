import type { Catalog } from '../catalog/catalog.js'
import type { Credential } from '../catalog/world.js'
import type { MeteringWindows } from '../domain/metering-windows.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { Ledger } from '../ledger/ledger.js'
import type { Infer, StructureShape } from '../protocol/shape.js'

/** Who called, as established by the wire layer. */
export interface Caller {
  /** Undefined only for unknown keys in permissive auth mode. */
  accountId?: string
  accessKeyId?: string
  /** The region the request was signed for. */
  signingRegion?: string
  credential?: Credential
}

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
  /** The buyer account that unknown callers act as in permissive mode. */
  anonymousBuyerAccountId?: string
}

/** An AWS operation: its input shape (AWS member names) and what it does. No HTTP in here. */
export interface Operation<S extends StructureShape = StructureShape> {
  name: string
  input: S
  run(input: Infer<S>, ctx: OperationContext): Promise<object>
}

export const defineOperation = <S extends StructureShape>(op: Operation<S>): Operation<S> => op
