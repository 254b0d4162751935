import type { EventCursor } from '../../domain/lifecycle-event.js'
import { takeToken } from '../../domain/token-bucket.js'
import { duplicateAttemptKey } from '../../domain/usage-record.js'
import type { Ledger, RecordUsageCommand, RecordUsageOutcome, ReplayTest } from '../ledger.js'
import type { LedgerStatements } from './statements.js'

/** Runs `work` inside a transaction of the store; resolves only after it is committed. */
export type TransactionRunner = <T>(work: (s: LedgerStatements) => Promise<T>) => Promise<T>

/**
 * The Ledger port on top of any SQL store: the sequence of statements each method runs, written
 * once. Adapters supply the transaction runner (and with it their commit strategy).
 */
export function createSqlLedger(inTransaction: TransactionRunner, close: () => Promise<void>): Ledger {
  return {
    recordUsage: (commands, isReplay) => inTransaction((s) => recordUsage(s, commands, isReplay)),
    findRecord: (id) => inTransaction((s) => s.findUsageById(id)),
    countRecords: () => inTransaction((s) => s.countUsage()),
    loadWorld: () => inTransaction((s) => s.loadWorld()),
    worldVersion: () => inTransaction((s) => s.worldVersion()),
    saveWorld: (expected, document, atMs, events = []) =>
      inTransaction(async (s) => {
        if (!(await s.saveWorld(expected, document, atMs))) return false
        if (events.length > 0) await s.insertLifecycleEvents(expected + 1, events, atMs)
        return true
      }),
    listLifecycleEvents: (filter, after, limit) => inTransaction((s) => s.listLifecycleEvents(filter, after, limit)),
    listSigningKeys: () => inTransaction((s) => s.listSigningKeys()),
    addSigningKey: (key, { expireCurrentAtMs, onlyIfNone }) =>
      inTransaction(async (s) => {
        const keys = await s.listSigningKeys()
        if (onlyIfNone && keys.length > 0) return keys
        const version = (keys.at(-1)?.version ?? 0) + 1
        // A concurrent rotation that took this version first wins; ours is simply not added.
        if (await s.insertSigningKeyIfAbsent(version, key)) await s.expireSigningKeys(version, expireCurrentAtMs)
        return s.listSigningKeys()
      }),
    saveRegistrationToken: (token) => inTransaction((s) => s.saveRegistrationToken(token)),
    findRegistrationToken: (hash) => inTransaction((s) => s.findRegistrationToken(hash)),
    findRegistration: (key) => inTransaction((s) => s.findRegistration(key)),
    recordRegistrationCall: (registration) =>
      inTransaction(async (s) => {
        if (!(await s.insertRegistrationIfAbsent(registration))) await s.countRegistrationCall(registration.key, registration.lastCallMs)
        return (await s.findRegistration(registration.key))!
      }),
    listUsage: (filter, after, limit, order) => inTransaction((s) => s.listUsage(filter, after, limit, order)),
    countUsageByStatus: (filter) => inTransaction((s) => s.countUsageByStatus(filter)),
    sumUsage: (filter, byTagKey) => inTransaction((s) => s.sumUsage(filter, byTagKey)),
    appendAuditEvents: (events) => inTransaction((s) => s.insertAuditEvents(events)),
    listAuditEvents: (filter, after, limit, order) => inTransaction((s) => s.listAuditEvents(filter, after, limit, order)),
    countAuditEvents: (fromMs, toMs) => inTransaction((s) => s.countAuditEvents(fromMs, toMs)),
    pruneAuditEvents: (timeMs) => inTransaction((s) => s.deleteAuditEventsBefore(timeMs)),
    loadControl: (name) => inTransaction((s) => s.loadControl(name)),
    saveControl: (name, document, atMs) => inTransaction((s) => s.saveControl(name, document, atMs)),
    initControl: (name, document, atMs) =>
      inTransaction(async (s) => {
        await s.insertControlIfAbsent(name, document, atMs)
        return s.loadControl(name)
      }),
    listFaultRules: () => inTransaction((s) => s.listFaultRules()),
    addFaultRule: (rule) => inTransaction((s) => s.insertFaultRule(rule.id, rule.document, rule.remaining, rule.createdAtMs)),
    removeFaultRule: (id) => inTransaction((s) => s.deleteFaultRule(id)),
    removeAllFaultRules: () => inTransaction((s) => s.deleteAllFaultRules()),
    consumeFaultRule: (id) => inTransaction((s) => s.consumeFaultRule(id)),
    takeQuotaToken: (bucket, rate, atMs) =>
      inTransaction(async (s) => {
        // Compare-and-set on the row's version: concurrent nodes never both spend the same token.
        for (let attempt = 0; attempt < 5; attempt++) {
          const row = await s.findQuotaBucket(bucket)
          const stored = row ? { tokens: Number(row.tokens), updatedMs: Number(row.updated_ms) } : undefined
          const { taken, bucket: after } = takeToken(stored, rate, atMs)
          if (!taken) return false
          const written = row
            ? await s.updateQuotaBucket(bucket, after.tokens, after.updatedMs, Number(row.version))
            : await s.insertQuotaBucketIfAbsent(bucket, after.tokens, after.updatedMs)
          if (written) return true
        }
        return false // contended beyond reason: throttling is the safe answer
      }),
    listTargetStates: () => inTransaction((s) => s.listTargetStates()),
    findTargetState: (by) =>
      inTransaction((s) =>
        'targetId' in by
          ? s.findTargetState('target_id', by.targetId)
          : 'token' in by
            ? s.findTargetState('token', by.token)
            : s.findTargetState('subscription_arn', by.subscriptionArn),
      ),
    openTarget: (state, deliveries, previousFingerprint) =>
      inTransaction(async (s) => {
        const opened =
          previousFingerprint === undefined
            ? await s.insertTargetStateIfAbsent(state)
            : await s.replaceTargetState(state, previousFingerprint)
        if (opened) await s.insertDeliveriesIfAbsent(deliveries)
        return (await s.findTargetState('target_id', state.targetId))!
      }),
    setTargetStatus: (targetId, status, from, atMs, deliveries = []) =>
      inTransaction(async (s) => {
        if (!(await s.setTargetStatus(targetId, status, atMs, from))) return false
        await s.insertDeliveriesIfAbsent(deliveries)
        return true
      }),
    eventsToFanOut: (limit, atMs) =>
      inTransaction(async (s) => {
        const cursor = (await s.loadControl(FAN_OUT_CURSOR)) as EventCursor | undefined
        if (!cursor) {
          const newest = (await s.newestLifecycleEvent()) ?? { worldVersion: 0, position: -1 }
          await s.saveControl(FAN_OUT_CURSOR, newest, atMs)
          return { cursor: newest, events: [] }
        }
        return { cursor, events: await s.listLifecycleEvents({}, cursor, limit) }
      }),
    commitFanOut: (from, to, deliveries, atMs) =>
      inTransaction(async (s) => {
        const cursor = (await s.loadControl(FAN_OUT_CURSOR)) as EventCursor | undefined
        if (cursor?.worldVersion !== from.worldVersion || cursor.position !== from.position) return false
        await s.insertDeliveriesIfAbsent(deliveries)
        await s.saveControl(FAN_OUT_CURSOR, { worldVersion: to.worldVersion, position: to.position }, atMs)
        return true
      }),
    claimTarget: (targetId, owner, nowMs, untilMs) => inTransaction((s) => s.claimTarget(targetId, owner, nowMs, untilMs)),
    releaseTarget: (targetId, owner) => inTransaction((s) => s.releaseTarget(targetId, owner)),
    pendingDeliveries: (targetId, limit) => inTransaction((s) => s.pendingDeliveries(targetId, limit)),
    recordAttempt: (attempt, outcome) =>
      inTransaction(async (s) => {
        await s.insertAttempt(attempt)
        await s.updateDelivery(attempt.deliveryId, {
          status: outcome.status,
          attempts: attempt.attempt,
          nextAttemptAtMs: outcome.nextAttemptAtMs,
          lastStatusCode: attempt.statusCode ?? null,
          lastError: attempt.error ?? null,
          ...(outcome.status === 'delivered' ? { deliveredAtMs: attempt.atMs } : {}),
        })
      }),
    findDelivery: (id) => inTransaction((s) => s.findDelivery(id)),
    listDeliveries: (filter, after, limit) => inTransaction((s) => s.listDeliveries(filter, after, limit)),
    listAttempts: (ids) => inTransaction((s) => s.listAttempts(ids)),
    retryDelivery: (id, nowMs) =>
      inTransaction(async (s) => {
        const delivery = await s.findDelivery(id)
        if (!delivery) return undefined
        if (delivery.status === 'delivered') return delivery
        await s.updateDelivery(id, { status: 'pending', attempts: delivery.attempts, nextAttemptAtMs: nowMs })
        return s.findDelivery(id)
      }),
    close,
  }
}

/** The control document holding the fan-out cursor: the last outbox event turned into deliveries. */
const FAN_OUT_CURSOR = 'notification-fan-out'

/**
 * The commands of one or more requests, set-wise (a few statements however many records):
 * 1. claim client tokens, 2. claim slots, 3. store refused duplicate attempts, 4. point replayed
 * tokens at the record that answered them. Outcomes are those of running the commands one after
 * the other: a later record of the same slot sees the earlier one.
 */
export async function recordUsage(
  s: LedgerStatements,
  commands: readonly RecordUsageCommand[],
  isReplay: ReplayTest,
): Promise<RecordUsageOutcome[]> {
  const outcomes = new Array<RecordUsageOutcome | undefined>(commands.length)
  const open: number[] = []
  for (const [i, { record, clientToken }] of commands.entries()) {
    if (clientToken) {
      const claimed = await s.insertClientTokenIfAbsent({
        caller_account_id: clientToken.accountId,
        client_token: clientToken.token,
        fingerprint: clientToken.fingerprint,
        metering_record_id: record.meteringRecordId,
        created_at_ms: record.receivedAtMs,
      })
      if (!claimed) {
        const earlier = await s.findClientToken(clientToken.accountId, clientToken.token)
        if (earlier && earlier.fingerprint !== clientToken.fingerprint) {
          outcomes[i] = { kind: 'token-conflict' }
          continue
        }
        const produced = earlier && (await s.findUsageById(earlier.metering_record_id))
        if (produced) {
          outcomes[i] = { kind: 'replayed', record: produced }
          continue
        }
        // The earlier call with this token was refused; decide again from the slot.
      }
    }
    open.push(i)
  }

  const inserted = await s.insertUsageIfAbsent(open.map((i) => commands[i]!.record))
  const taken = await s.findUsageByKeys(
    open.filter((i) => !inserted.has(commands[i]!.record.meteringRecordId)).map((i) => commands[i]!.record.dedupKey),
  )
  const attempts: number[] = []
  for (const i of open) {
    const { record, keepRefused } = commands[i]!
    if (inserted.has(record.meteringRecordId)) {
      outcomes[i] = { kind: 'created', record }
      continue
    }
    const existing = taken.get(record.dedupKey)
    if (!existing) throw new Error(`usage slot ${record.dedupKey} is taken but cannot be read`)
    if (isReplay(existing, record)) outcomes[i] = { kind: 'replayed', record: existing }
    else if (!keepRefused) outcomes[i] = { kind: 'conflict', existing }
    else attempts.push(i)
  }

  const attemptRecords = new Map(
    attempts.map((i) => {
      const { record } = commands[i]!
      return [
        i,
        { ...record, status: 'DuplicateRecord' as const, dedupKey: duplicateAttemptKey(record.dedupKey, record.hourMs, record.quantity) },
      ]
    }),
  )
  const attemptsInserted = await s.insertUsageIfAbsent([...attemptRecords.values()])
  const earlierAttempts = await s.findUsageByKeys(
    [...attemptRecords.values()].filter((r) => !attemptsInserted.has(r.meteringRecordId)).map((r) => r.dedupKey),
  )
  for (const [i, attempt] of attemptRecords) {
    const stored = attemptsInserted.has(attempt.meteringRecordId) ? attempt : earlierAttempts.get(attempt.dedupKey)
    if (!stored) throw new Error(`usage slot ${attempt.dedupKey} is taken but cannot be read`)
    outcomes[i] = { kind: 'duplicate', record: stored }
  }

  for (const i of open) {
    const { clientToken } = commands[i]!
    const outcome = outcomes[i]!
    if (clientToken && outcome.kind === 'replayed') {
      await s.pointClientToken(clientToken.accountId, clientToken.token, outcome.record.meteringRecordId)
    }
  }
  return outcomes as RecordUsageOutcome[]
}
