import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Catalog } from '../../catalog/catalog.js'
import type { UsageQuery } from '../../domain/usage-query.js'
import { totalsByWindow } from '../../domain/usage-windows.js'
import type { Ledger } from '../../ledger/ledger.js'
import { exportStream } from '../export-stream.js'
import { AdminError, type RouteBook } from '../route-book.js'
import { recordView } from '../views.js'
import { encodeCursor, Format, Instant, Limit, Order, RecordCursorParam } from './query-params.js'

const UsageFilter = z.strictObject({
  productCode: z.string().min(1).optional(),
  customerIdentifier: z.string().min(1).optional(),
  customerAccountId: z.string().regex(/^\d+$/, 'must be digits').optional(),
  dimension: z.string().min(1).optional(),
  status: z.enum(['Success', 'CustomerNotSubscribed', 'DuplicateRecord']).optional(),
  operation: z.enum(['BatchMeterUsage', 'MeterUsage']).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  tagKey: z.string().min(1).optional(),
  tagValue: z.string().min(1).optional(),
})
type UsageFilter = z.output<typeof UsageFilter>

const toQuery = ({ from, to, ...rest }: UsageFilter): UsageQuery => {
  if (rest.tagValue !== undefined && rest.tagKey === undefined) throw new AdminError(400, 'BadRequest', 'tagValue: needs tagKey')
  return { ...rest, ...(from !== undefined ? { fromMs: from } : {}), ...(to !== undefined ? { toMs: to } : {}) }
}

const RECORD_COLUMNS = [
  'meteringRecordId',
  'operation',
  'status',
  'productCode',
  'dimension',
  'quantity',
  'timestamp',
  'hour',
  'customerIdentifier',
  'customerAccountId',
  'licenseArn',
  'resourceId',
  'allocations',
  'callerAccountId',
  'callerAccessKeyId',
  'requestId',
  'receivedAt',
] as const
const EXPORT_PAGE = 1000

/** The ledger, shown: list with filters and cursor pagination, export (streamed), sums in windows. */
export function recordRoutes(app: FastifyInstance, book: RouteBook, deps: { ledger: Ledger; catalog: Catalog }): void {
  book.add(
    app,
    {
      method: 'GET',
      url: '/records',
      tag: 'ledger',
      summary: 'List metering records in the order received (oldest first unless order=newest-first), with cursor pagination',
      query: UsageFilter.extend({ limit: Limit, cursor: RecordCursorParam.optional(), order: Order }),
    },
    async ({ query: { limit, cursor, order, ...filter } }) => {
      const records = await deps.ledger.listUsage(toQuery(filter), cursor, limit, order)
      const last = records.at(-1)
      return {
        records: records.map(recordView),
        nextCursor:
          last && records.length === limit
            ? encodeCursor({ receivedAtMs: last.receivedAtMs, meteringRecordId: last.meteringRecordId })
            : null,
      }
    },
  )

  book.add(
    app,
    {
      method: 'GET',
      url: '/records/export',
      tag: 'ledger',
      summary: 'Export matching records as CSV or NDJSON (streamed)',
      query: UsageFilter.extend({ format: Format }),
      produces: 'text/csv',
    },
    async ({ query: { format, ...filter }, reply }) => {
      const query = toQuery(filter)
      let after: { receivedAtMs: number; meteringRecordId: string } | undefined
      const stream = exportStream(format, RECORD_COLUMNS, async () => {
        const page = await deps.ledger.listUsage(query, after, EXPORT_PAGE)
        const last = page.at(-1)
        if (last) after = { receivedAtMs: last.receivedAtMs, meteringRecordId: last.meteringRecordId }
        return page.map(recordView)
      })
      return reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson').send(stream)
    },
  )

  book.add(
    app,
    {
      method: 'GET',
      url: '/usage',
      tag: 'ledger',
      summary:
        'Quantity per product, customer and dimension (optionally per allocation tag value) in hour, day or month windows of a time zone, with a billing estimate for priced dimensions',
      query: UsageFilter.extend({
        window: z.enum(['hour', 'day', 'month']).default('day'),
        timeZone: z.string().default('UTC'),
        byTagKey: z.string().min(1).optional(),
      }).superRefine((q, ctx) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: q.timeZone })
        } catch {
          ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `unknown time zone '${q.timeZone}'` })
        }
      }),
    },
    async ({ query: { window, timeZone, byTagKey, ...filter } }) => {
      // Only honoured usage is billed, unless a status is asked for explicitly.
      const query = { status: 'Success' as const, ...toQuery(filter) }
      const rows = totalsByWindow(await deps.ledger.sumUsage(query, byTagKey), window, timeZone, (code) => deps.catalog.findProduct(code))
      const amount = rows.reduce((sum, r) => sum + (r.amount ?? 0), 0)
      return { window, timeZone, ...(byTagKey ? { byTagKey } : {}), rows, estimatedAmount: Math.round(amount * 1e6) / 1e6 }
    },
  )
}
