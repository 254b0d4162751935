import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { AuditQuery } from '../../domain/audit-event.js'
import type { Ledger } from '../../ledger/ledger.js'
import { exportStream } from '../export-stream.js'
import type { RouteBook } from '../route-book.js'
import { auditView } from '../views.js'
import { AuditCursorParam, Bool, encodeCursor, Format, Instant, Limit, Order } from './query-params.js'

const AuditFilter = z.strictObject({
  operation: z.string().min(1).optional(),
  accountId: z.string().regex(/^\d+$/, 'must be digits').optional(),
  accessKeyId: z.string().min(1).optional(),
  errorCode: z.string().min(1).optional(),
  failed: Bool.optional(),
  injected: Bool.optional(),
  from: Instant.optional(),
  to: Instant.optional(),
})

const toQuery = (f: z.output<typeof AuditFilter>): AuditQuery => ({
  ...(f.operation !== undefined ? { operation: f.operation } : {}),
  ...(f.accountId !== undefined ? { callerAccountId: f.accountId } : {}),
  ...(f.accessKeyId !== undefined ? { accessKeyId: f.accessKeyId } : {}),
  ...(f.errorCode !== undefined ? { errorCode: f.errorCode } : {}),
  ...(f.failed !== undefined ? { failed: f.failed } : {}),
  ...(f.injected ? { injectedOnly: true } : {}),
  ...(f.from !== undefined ? { fromMs: f.from } : {}),
  ...(f.to !== undefined ? { toMs: f.to } : {}),
})

const AUDIT_COLUMNS = [
  'eventId',
  'eventTime',
  'eventName',
  'userIdentity',
  'sourceIPAddress',
  'userAgent',
  'requestID',
  'requestParameters',
  'responseElements',
  'httpStatus',
  'errorCode',
  'errorMessage',
  'injectedFault',
  'durationMs',
] as const

/** The audit trail of every AWS API call, queried and exported like the ledger. */
export function auditRoutes(app: FastifyInstance, book: RouteBook, deps: { ledger: Ledger; retentionMs: number }): void {
  book.add(
    app,
    {
      method: 'GET',
      url: '/audit',
      tag: 'audit',
      summary: 'List AWS API calls (accepted or refused), oldest first unless order=newest-first',
      query: AuditFilter.extend({ limit: Limit, cursor: AuditCursorParam.optional(), order: Order }),
    },
    async ({ query: { limit, cursor, order, ...filter } }) => {
      const events = await deps.ledger.listAuditEvents(toQuery(filter), cursor, limit, order)
      const last = events.at(-1)
      return {
        events: events.map(auditView),
        nextCursor: last && events.length === limit ? encodeCursor({ timeMs: last.timeMs, eventId: last.eventId }) : null,
        retentionDays: deps.retentionMs / 86_400_000,
      }
    },
  )

  book.add(
    app,
    {
      method: 'GET',
      url: '/audit/export',
      tag: 'audit',
      summary: 'Export audit events as CSV or NDJSON (streamed)',
      query: AuditFilter.extend({ format: Format }),
      produces: 'text/csv',
    },
    async ({ query: { format, ...filter }, reply }) => {
      const query = toQuery(filter)
      let after: { timeMs: number; eventId: string } | undefined
      const stream = exportStream(format, AUDIT_COLUMNS, async () => {
        const page = await deps.ledger.listAuditEvents(query, after, 1000)
        const last = page.at(-1)
        if (last) after = { timeMs: last.timeMs, eventId: last.eventId }
        return page.map(auditView)
      })
      return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson').send(stream)
    },
  )
}
