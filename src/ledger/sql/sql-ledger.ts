import type { UsageRecord } from '../../domain/usage-record.js'
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
    recordUsage: (commands, isReplay) => inTransaction(async (s) => {
      const outcomes: RecordUsageOutcome[] = []
      for (const command of commands) outcomes.push(await recordOne(s, command, isReplay))
      return outcomes
    }),
    findRecord: (id) => inTransaction((s) => s.findUsageById(id)),
    countRecords: () => inTransaction((s) => s.countUsage()),
    loadWorld: () => inTransaction((s) => s.loadWorld()),
    saveWorld: (expected, document, atMs) => inTransaction((s) => s.saveWorld(expected, document, atMs)),
    listSigningKeys: () => inTransaction((s) => s.listSigningKeys()),
    addSigningKey: (key, { expireCurrentAtMs, onlyIfNone }) => inTransaction(async (s) => {
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
    recordRegistrationCall: (registration) => inTransaction(async (s) => {
      if (!(await s.insertRegistrationIfAbsent(registration))) await s.countRegistrationCall(registration.key, registration.lastCallMs)
      return (await s.findRegistration(registration.key))!
    }),
    listUsage: (filter, after, limit) => inTransaction((s) => s.listUsage(filter, after, limit)),
    sumUsage: (filter, byTagKey) => inTransaction((s) => s.sumUsage(filter, byTagKey)),
    appendAuditEvents: (events) => inTransaction((s) => s.insertAuditEvents(events)),
    listAuditEvents: (filter, after, limit) => inTransaction((s) => s.listAuditEvents(filter, after, limit)),
    pruneAuditEvents: (timeMs) => inTransaction((s) => s.deleteAuditEventsBefore(timeMs)),
    loadControl: (name) => inTransaction((s) => s.loadControl(name)),
    saveControl: (name, document, atMs) => inTransaction((s) => s.saveControl(name, document, atMs)),
    listFaultRules: () => inTransaction((s) => s.listFaultRules()),
    addFaultRule: (rule) => inTransaction((s) => s.insertFaultRule(rule.id, rule.document, rule.remaining, rule.createdAtMs)),
    removeFaultRule: (id) => inTransaction((s) => s.deleteFaultRule(id)),
    removeAllFaultRules: () => inTransaction((s) => s.deleteAllFaultRules()),
    consumeFaultRule: (id) => inTransaction((s) => s.consumeFaultRule(id)),
    close,
  }
}

/**
 * One command (see RecordUsageCommand): 1. claim the client token, 2. claim the slot,
 * 3. point a replayed token at the record that answered it.
 */
async function recordOne(s: LedgerStatements, { record, duplicateKey, clientToken }: RecordUsageCommand, isReplay: ReplayTest): Promise<RecordUsageOutcome> {
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
      if (earlier && earlier.fingerprint !== clientToken.fingerprint) return { kind: 'token-conflict' }
      const produced = earlier && await s.findUsageById(earlier.metering_record_id)
      if (produced) return { kind: 'replayed', record: produced }
      // The earlier call with this token was refused; decide again from the slot.
    }
  }
  const outcome = await claimSlot(s, record, duplicateKey, isReplay)
  if (clientToken && outcome.kind === 'replayed') {
    await s.pointClientToken(clientToken.accountId, clientToken.token, outcome.record.meteringRecordId)
  }
  return outcome
}

async function claimSlot(s: LedgerStatements, record: UsageRecord, duplicateKey: string | undefined, isReplay: ReplayTest): Promise<RecordUsageOutcome> {
  if (await s.insertUsageIfAbsent(record)) return { kind: 'created', record }
  const existing = await s.findUsageByKey(record.dedupKey)
  if (!existing) throw new Error(`usage slot ${record.dedupKey} is taken but cannot be read`)
  if (isReplay(existing, record)) return { kind: 'replayed', record: existing }
  if (duplicateKey === undefined) return { kind: 'conflict', existing }
  const attempt: UsageRecord = { ...record, status: 'DuplicateRecord', dedupKey: duplicateKey }
  if (await s.insertUsageIfAbsent(attempt)) return { kind: 'duplicate', record: attempt }
  const earlierAttempt = await s.findUsageByKey(duplicateKey)
  if (!earlierAttempt) throw new Error(`usage slot ${duplicateKey} is taken but cannot be read`)
  return { kind: 'duplicate', record: earlierAttempt }
}
