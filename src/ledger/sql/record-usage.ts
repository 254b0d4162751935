import type { UsageRecord } from '../../domain/usage-record.js'
import type { RecordUsageCommand, RecordUsageOutcome, ReplayTest } from '../ledger.js'
import type { ClientTokenRow } from './schema.js'

/**
 * The row-level primitives both SQL adapters provide inside a transaction. No rules here: each
 * is one statement, and idempotency comes from the UNIQUE/PRIMARY keys (insert-if-absent, re-read),
 * never from read-then-insert, so it holds when the same request races on two nodes.
 */
export interface UsageTx {
  insertUsageIfAbsent(record: UsageRecord): Promise<boolean>
  findUsageByKey(dedupKey: string): Promise<UsageRecord | undefined>
  findUsageById(meteringRecordId: string): Promise<UsageRecord | undefined>
  insertClientTokenIfAbsent(row: ClientTokenRow): Promise<boolean>
  findClientToken(accountId: string, token: string): Promise<ClientTokenRow | undefined>
  pointClientToken(accountId: string, token: string, meteringRecordId: string): Promise<void>
}

/** Applies the commands in order inside one transaction (see RecordUsageCommand for the outcomes). */
export async function applyRecordUsage(
  tx: UsageTx, commands: readonly RecordUsageCommand[], isReplay: ReplayTest,
): Promise<RecordUsageOutcome[]> {
  const outcomes: RecordUsageOutcome[] = []
  for (const command of commands) outcomes.push(await applyOne(tx, command, isReplay))
  return outcomes
}

async function applyOne(tx: UsageTx, { record, duplicateKey, clientToken }: RecordUsageCommand, isReplay: ReplayTest): Promise<RecordUsageOutcome> {
  // 1. The client token, if any, is claimed before the slot: a token names one request.
  if (clientToken) {
    const claimed = await tx.insertClientTokenIfAbsent({
      caller_account_id: clientToken.accountId,
      client_token: clientToken.token,
      fingerprint: clientToken.fingerprint,
      metering_record_id: record.meteringRecordId,
      created_at_ms: record.receivedAtMs,
    })
    if (!claimed) {
      const earlier = await tx.findClientToken(clientToken.accountId, clientToken.token)
      if (earlier && earlier.fingerprint !== clientToken.fingerprint) return { kind: 'token-conflict' }
      const produced = earlier && await tx.findUsageById(earlier.metering_record_id)
      if (produced) return { kind: 'replayed', record: produced }
      // The earlier call with this token was refused; decide again from the slot.
    }
  }
  // 2. The slot.
  const outcome = await claimSlot(tx, record, duplicateKey, isReplay)
  // 3. A token whose request was answered by an earlier record points at that record.
  if (clientToken && outcome.kind === 'replayed') {
    await tx.pointClientToken(clientToken.accountId, clientToken.token, outcome.record.meteringRecordId)
  }
  return outcome
}

async function claimSlot(tx: UsageTx, record: UsageRecord, duplicateKey: string | undefined, isReplay: ReplayTest): Promise<RecordUsageOutcome> {
  if (await tx.insertUsageIfAbsent(record)) return { kind: 'created', record }
  const existing = await tx.findUsageByKey(record.dedupKey)
  if (!existing) throw new Error(`usage slot ${record.dedupKey} is taken but cannot be read`)
  if (isReplay(existing, record)) return { kind: 'replayed', record: existing }
  if (duplicateKey === undefined) return { kind: 'conflict', existing }
  const attempt: UsageRecord = { ...record, status: 'DuplicateRecord', dedupKey: duplicateKey }
  if (await tx.insertUsageIfAbsent(attempt)) return { kind: 'duplicate', record: attempt }
  const earlierAttempt = await tx.findUsageByKey(duplicateKey)
  if (!earlierAttempt) throw new Error(`usage slot ${duplicateKey} is taken but cannot be read`)
  return { kind: 'duplicate', record: earlierAttempt }
}
