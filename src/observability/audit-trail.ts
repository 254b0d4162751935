import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { AuditEvent } from '../domain/audit-event.js'
import type { Ledger } from '../ledger/ledger.js'
import type { CallReport } from '../protocol/aws-json-endpoint.js'
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
  const prune = () => deps.ledger.pruneAuditEvents(deps.realClock.nowMs() - deps.retentionMs)
    .catch((error: unknown) => deps.log.error({ err: error }, 'audit pruning failed'))
  void prune()
  const timer = setInterval(prune, PRUNE_EVERY_MS)
  timer.unref()
  return {
    record(report) {
      const write = deps.ledger.appendAuditEvents([toEvent(report)])
        .catch((error: unknown) => deps.log.error({ err: error, requestId: report.requestId }, 'audit event not stored'))
        .finally(() => pending.delete(write))
      pending.add(write)
    },
    async close() {
      clearInterval(timer)
      await Promise.all(pending)
    },
  }
}

function toEvent(r: CallReport): AuditEvent {
  const event: AuditEvent = {
    eventId: randomUUID(),
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
  if (r.params !== undefined) event.requestParameters = redact(r.params)
  if (r.error) {
    event.errorCode = r.error.code
    event.errorMessage = r.error.message
  }
  if (r.output) event.responseElements = r.output
  if (r.injectedFault) event.injectedFault = r.injectedFault
  return event
}

function redact(params: unknown): unknown {
  if (params === null || typeof params !== 'object' || Array.isArray(params)) return params
  const copy: Record<string, unknown> = { ...(params as Record<string, unknown>) }
  for (const member of SECRET_MEMBERS) if (member in copy) copy[member] = '***'
  return copy
}
