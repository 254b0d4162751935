import type { UsageRecord } from '../domain/usage-record.js'

/**
 * One record to write. The adapter claims `record.dedupKey` (a UNIQUE index does the work):
 * - free slot → the record is stored (`created`);
 * - taken, and `isReplay(existing, record)` → nothing stored, the earlier record is returned (`replayed`);
 * - taken by a different record → with `duplicateKey`, the attempt is stored under that key with
 *   status DuplicateRecord (`duplicate`); without it, nothing is stored (`conflict`).
 * With `clientToken`, the token is claimed first: a token already used with another fingerprint
 * gives `token-conflict`; with the same fingerprint, the record it produced is returned (`replayed`).
 */
export interface RecordUsageCommand {
  record: UsageRecord
  duplicateKey?: string
  clientToken?: { accountId: string; token: string; fingerprint: string }
}

export type RecordUsageOutcome =
  | { kind: 'created'; record: UsageRecord }
  | { kind: 'replayed'; record: UsageRecord }
  | { kind: 'duplicate'; record: UsageRecord }
  | { kind: 'conflict'; existing: UsageRecord }
  | { kind: 'token-conflict' }

export type ReplayTest = (existing: UsageRecord, incoming: UsageRecord) => boolean

/**
 * The durable usage ledger. Every method resolves only after its writes are committed to
 * durable storage; implementations may share one commit between concurrent callers.
 */
export interface Ledger {
  /** Writes the commands as one atomic unit and returns one outcome per command, in order. */
  recordUsage(commands: readonly RecordUsageCommand[], isReplay: ReplayTest): Promise<RecordUsageOutcome[]>
  /** Reads a record back by its MeteringRecordId. */
  findRecord(meteringRecordId: string): Promise<UsageRecord | undefined>
  countRecords(): Promise<number>
  close(): Promise<void>
}
