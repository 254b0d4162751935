import { newId } from '../shared/ids.js'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditEvent } from '../domain/audit-event.js'
import type { Ledger } from '../ledger/ledger.js'
import type { CallReport } from '../protocol/service.js'
import type { Clock } from '../shared/clock.js'

const PRUNE_EVERY_MS = 60 * 60 * 1000

/** Members that act as secrets: kept out of the trail, as CloudTrail keeps secrets out. */
const SECRET_MEMBERS = ['RegistrationToken']

export interface AuditTrail {
  record(report: CallReport): void
  /** Writes what is pending and stops pruning. */
  close(): Promise<void>
}

/**
 * Every AWS API call (accepted or refused, auth failures included) becomes an audit event,
 * written in the ledger's next shared commit after the answer has gone out, and kept for the
 * retention period.
 */
export function createAuditTrail(deps: { ledger: Ledger; realClock: Clock; retentionMs: number; log: FastifyBaseLogger }): AuditTrail {
  const pending = new Set<Promise<void>>()
  // Events of concurrent calls are written together: one statement, one ledger job.
  let buffer: AuditEvent[] = []
  const flush = () => {
    // close() may have flushed already, before the flush scheduled by record() runs.
    if (buffer.length === 0) return
    const events = buffer
    buffer = []
    const write = deps.ledger
      .appendAuditEvents(events)
      .catch((error: unknown) => deps.log.error({ err: error, events: events.length }, 'audit events not stored'))
      .finally(() => pending.delete(write))
    pending.add(write)
  }
  const prune = () =>
    deps.ledger
      .pruneAuditEvents(deps.realClock.nowMs() - deps.retentionMs)
      .catch((error: unknown) => deps.log.error({ err: error }, 'audit pruning failed'))
  void prune()
  const timer = setInterval(() => void prune(), PRUNE_EVERY_MS)
  timer.unref()
  return {
    record(report) {
      buffer.push(toEvent(report))
      if (buffer.length === 1) setImmediate(flush)
    },
    async close() {
      clearInterval(timer)
      if (buffer.length > 0) flush()
      await Promise.all(pending)
    },
  }
}

function toEvent(r: CallReport): AuditEvent {
  const event: AuditEvent = {
    eventId: newId(),
    timeMs: r.startedAtMs,
    operation: r.operation,
    sourceIp: r.sourceIp,
    requestId: r.requestId,
    httpStatus: r.status,
    durationMs: r.durationMs,
  }
  if (r.caller?.accountId) event.callerAccountId = r.caller.accountId
  if (r.caller?.accessKeyId) event.accessKeyId = r.caller.accessKeyId
  if (r.userAgent) event.userAgent = r.userAgent
  // The text as sent is what the trail stores, and a string crosses to the ledger's thread far
  // cheaper than the parsed object; only a body with a secret in it is rebuilt.
  if (r.paramsJson && !holdsSecret(r.params)) event.requestParametersJson = r.paramsJson
  else if (r.params !== undefined) event.requestParameters = redact(r.params)
  if (r.error) {
    event.errorCode = r.error.code
    event.errorMessage = r.error.message
  }
  if (r.output) event.responseElements = compactResponse(r.operation, r.output)
  if (r.injectedFault) event.injectedFault = r.injectedFault
  return event
}

const holdsSecret = (params: unknown) => params !== null && typeof params === 'object' && SECRET_MEMBERS.some((member) => member in params)

function redact(params: unknown): unknown {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return params
  const copy: Record<string, unknown> = { ...(params as Record<string, unknown>) }
  for (const member of SECRET_MEMBERS) if (member in copy) copy[member] = '***'
  return copy
}

/**
 * BatchMeterUsage answers echo every record the request already carries; the trail keeps the
 * request in full and, of the answer, what only the answer says (ids and statuses).
 */
function compactResponse(operation: string, output: object): unknown {
  if (operation !== 'BatchMeterUsage') return output
  const { Results, UnprocessedRecords } = output as {
    Results?: { MeteringRecordId?: string; Status?: string }[]
    UnprocessedRecords?: unknown[]
  }
  return {
    Results: (Results ?? []).map((r) => ({ MeteringRecordId: r.MeteringRecordId, Status: r.Status })),
    UnprocessedRecords: UnprocessedRecords ?? [],
  }
}
