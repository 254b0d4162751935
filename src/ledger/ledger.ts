import type { Registration, RegistrationToken, SigningKey } from '../domain/registration.js'
import type { AuditCount, AuditEvent, AuditQuery } from '../domain/audit-event.js'
import type { EventCursor, LifecycleEvent, LifecycleEventQuery, StoredLifecycleEvent } from '../domain/lifecycle-event.js'
import type { ListOrder, RecordCursor, UsageQuery, UsageStatusCount, UsageSum } from '../domain/usage-query.js'
import type { UsageRecord } from '../domain/usage-record.js'

/**
 * One record to write. The adapter claims `record.dedupKey` (a UNIQUE index does the work):
 * - free slot → the record is stored (`created`);
 * - taken, and `isReplay(existing, record)` → nothing stored, the earlier record is returned (`replayed`);
 * - taken by a different record → with `keepRefused`, the attempt is stored under its
 *   `duplicateAttemptKey` with status DuplicateRecord (`duplicate`); without it, nothing is stored (`conflict`).
 * With `clientToken`, the token is claimed first: a token already used with another fingerprint
 * gives `token-conflict`; with the same fingerprint, the record it produced is returned (`replayed`).
 */
export interface RecordUsageCommand {
  record: UsageRecord
  keepRefused?: boolean
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

  /** The stored world document and its version (1 for the first), or undefined before the first save. */
  loadWorld(): Promise<StoredWorld | undefined>
  /** The stored world's version (0 before the first save), without reading the document. */
  worldVersion(): Promise<number>
  /**
   * Replaces the world if its version is still `expectedVersion` (0: none stored yet); false if it
   * changed meanwhile. The lifecycle events the change caused are appended to the outbox in the
   * same transaction: both are stored, or neither.
   */
  saveWorld(expectedVersion: number, document: unknown, atMs: number, events?: readonly LifecycleEvent[]): Promise<boolean>
  /** One page of the outbox, in the order the events happened, after `after`. */
  listLifecycleEvents(filter: LifecycleEventQuery, after: EventCursor | undefined, limit: number): Promise<StoredLifecycleEvent[]>

  listSigningKeys(): Promise<SigningKey[]>
  /**
   * Adds `key` as the next version and expires the current version(s) at `expireCurrentAtMs`.
   * With `onlyIfNone`, does nothing when a key exists (first start, possibly on several nodes at once).
   */
  addSigningKey(key: NewSigningKey, options: { expireCurrentAtMs: number; onlyIfNone?: boolean }): Promise<SigningKey[]>

  saveRegistrationToken(token: RegistrationToken): Promise<void>
  findRegistrationToken(tokenHash: string): Promise<RegistrationToken | undefined>

  findRegistration(key: string): Promise<Registration | undefined>
  /** Stores the first call of a registration, or counts a later one; returns what is stored. */
  recordRegistrationCall(registration: Registration): Promise<Registration>

  /**
   * One page of records matching `filter`, in (receivedAtMs, meteringRecordId) order (reversed
   * with `newest-first`), after `after` in that order. Default `oldest-first`.
   */
  listUsage(filter: UsageQuery, after: RecordCursor | undefined, limit: number, order?: ListOrder): Promise<UsageRecord[]>
  /** How many records match `filter`, and their quantity, per status (statuses without records left out). */
  countUsageByStatus(filter: UsageQuery): Promise<UsageStatusCount[]>
  /** Quantities of matching records summed per product, customer, dimension (and tag value) and 15-minute slice. */
  sumUsage(filter: UsageQuery, byTagKey?: string): Promise<UsageSum[]>

  appendAuditEvents(events: readonly AuditEvent[]): Promise<void>
  /** One page of events in (timeMs, eventId) order (reversed with `newest-first`), after `after` in that order. */
  listAuditEvents(
    filter: AuditQuery,
    after: { timeMs: number; eventId: string } | undefined,
    limit: number,
    order?: ListOrder,
  ): Promise<AuditEvent[]>
  /** Events of [fromMs, toMs) counted per minute, operation and outcome (the error code, or `Success`). */
  countAuditEvents(fromMs: number, toMs: number): Promise<AuditCount[]>
  /** Deletes events older than `timeMs`; returns how many. */
  pruneAuditEvents(timeMs: number): Promise<number>

  /** Small named documents the controls keep (virtual clock, quotas), shared by every node. */
  loadControl(name: string): Promise<unknown>
  saveControl(name: string, document: unknown, atMs: number): Promise<void>

  listFaultRules(): Promise<StoredFaultRule[]>
  addFaultRule(rule: StoredFaultRule): Promise<void>
  removeFaultRule(id: string): Promise<boolean>
  removeAllFaultRules(): Promise<number>
  /** Takes one use of a rule limited to N calls; false when it has none left (another node took the last). */
  consumeFaultRule(id: string): Promise<boolean>

  /**
   * Takes one token from a shared token bucket holding at most `rate` tokens and refilled at
   * `rate` per second; false when the bucket is empty.
   */
  takeQuotaToken(bucket: string, rate: number, atMs: number): Promise<boolean>

  close(): Promise<void>
}

export interface StoredFaultRule {
  id: string
  document: unknown
  /** Calls left for a rule limited to the next N calls. */
  remaining?: number
  createdAtMs: number
}

export interface StoredWorld {
  version: number
  /** The world as a JSON document (the config-file format); the catalog parses and validates it. */
  document: unknown
}

export type NewSigningKey = Pick<SigningKey, 'privateKeyPem' | 'publicKeyPem' | 'createdAtMs'>
