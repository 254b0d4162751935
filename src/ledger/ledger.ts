import type { Registration, RegistrationToken, SigningKey } from '../domain/registration.js'
import type { AuditCount, AuditEvent, AuditQuery } from '../domain/audit-event.js'
import type { EventCursor, LifecycleEvent, LifecycleEventQuery, StoredLifecycleEvent } from '../domain/lifecycle-event.js'
import type { ListOrder, RecordCursor, UsageQuery, UsageStatusCount, UsageSum } from '../domain/usage-query.js'
import type { UsageRecord } from '../domain/usage-record.js'
import type {
  Delivery,
  DeliveryAttempt,
  DeliveryQuery,
  DeliveryStatus,
  NewDelivery,
  TargetState,
  TargetStatus,
} from '../domain/delivery.js'

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
export interface Ledger extends NotificationStore {
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
  /** Stores `document` under `name` unless one is stored already; returns the stored one. */
  initControl(name: string, document: unknown, atMs: number): Promise<unknown>

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

/**
 * Notifications on their way out: the targets' subscription state, the deliveries fanned out of
 * the lifecycle-event outbox, and their attempts. Every node may run a dispatcher: fan-out is
 * idempotent (one delivery per target and event) and each target is leased to one node at a time.
 */
export interface NotificationStore {
  listTargetStates(): Promise<TargetState[]>
  findTargetState(by: { targetId: string } | { token: string } | { subscriptionArn: string }): Promise<TargetState | undefined>
  /**
   * Stores the subscription of a target seen for the first time, or one whose fingerprint changed
   * from `previousFingerprint`, with its first deliveries (an HTTP endpoint's
   * SubscriptionConfirmation); returns the stored state, which another node may have written first.
   */
  openTarget(state: TargetState, deliveries: readonly NewDelivery[], previousFingerprint?: string): Promise<TargetState>
  /** Moves a target to `status` if it is in one of `from`, queueing `deliveries` with it; false if it was not. */
  setTargetStatus(
    targetId: string,
    status: TargetStatus,
    from: readonly TargetStatus[],
    atMs: number,
    deliveries?: readonly NewDelivery[],
  ): Promise<boolean>
  /**
   * The outbox events after the fan-out cursor (at most `limit`). The first call places the
   * cursor after the newest event and returns none: notifications start from then on.
   */
  eventsToFanOut(limit: number, atMs: number): Promise<{ cursor: EventCursor; events: StoredLifecycleEvent[] }>
  /**
   * Stores the deliveries made of the events between `from` and `to` and moves the cursor to `to`,
   * in one transaction, if the cursor is still at `from`; false if another node moved it first.
   */
  commitFanOut(from: EventCursor, to: EventCursor, deliveries: readonly NewDelivery[], atMs: number): Promise<boolean>
  /** Takes or renews the right to deliver to a target until `untilMs` (real time); false while another node holds it. */
  claimTarget(targetId: string, owner: string, nowMs: number, untilMs: number): Promise<boolean>
  releaseTarget(targetId: string, owner: string): Promise<void>
  /** A target's pending deliveries, in the order they go out. */
  pendingDeliveries(targetId: string, limit: number): Promise<Delivery[]>
  /** Stores an attempt and what it made of the delivery: delivered, pending until the next try, or failed. */
  recordAttempt(attempt: DeliveryAttempt, outcome: { status: DeliveryStatus; nextAttemptAtMs: number }): Promise<void>
  findDelivery(deliveryId: string): Promise<Delivery | undefined>
  /** One page of deliveries (oldest first: ids are time-ordered) after `after`. */
  listDeliveries(filter: DeliveryQuery, after: string | undefined, limit: number): Promise<Delivery[]>
  listAttempts(deliveryIds: readonly string[]): Promise<DeliveryAttempt[]>
  /** Queues a delivery again (a failed one, or a pending one at once); undefined if there is none. */
  retryDelivery(deliveryId: string, nowMs: number): Promise<Delivery | undefined>
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
