import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { LiveCatalog } from '../../catalog/live-catalog.js'
import type { FaultRules } from '../../controls/fault-rules.js'
import type { Quotas } from '../../controls/quotas.js'
import type { VirtualClock } from '../../controls/virtual-clock.js'
import { grantCovers } from '../../domain/entitlement.js'
import { dayStartMs } from '../../domain/usage-windows.js'
import type { Ledger } from '../../ledger/ledger.js'
import type { Clock } from '../../shared/clock.js'
import { MINUTE_MS } from '../../shared/time.js'
import type { RouteBook } from '../route-book.js'
import { auditView } from '../views.js'

const iso = (ms: number) => new Date(ms).toISOString()

const OverviewQuery = z
  .strictObject({
    timeZone: z.string().default('UTC'),
    minutes: z.coerce.number().int().min(1).max(1440).default(15),
    recent: z.coerce.number().int().min(0).max(100).default(10),
  })
  .superRefine((q, ctx) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: q.timeZone })
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timeZone'], message: `unknown time zone '${q.timeZone}'` })
    }
  })

/**
 * What a dashboard shows at a glance, in one cheap request it can poll: the endpoint, the size of
 * the world, calls per minute by operation and outcome (from the audit trail, so every node's
 * calls count), today's records by status, the clock, the active fault rules and the latest
 * refused calls.
 */
export function overviewRoutes(
  app: FastifyInstance,
  book: RouteBook,
  deps: {
    ledger: Ledger
    catalog: LiveCatalog
    clock: VirtualClock
    auditClock: Clock
    faults: FaultRules
    quotas: Quotas
    endpointUrl: () => string
    auditRetentionMs: number
  },
): void {
  book.add(
    app,
    {
      method: 'GET',
      url: '/overview',
      tag: 'overview',
      summary:
        'The endpoint, the world in numbers, AWS calls per minute by operation and outcome over the last `minutes` (real time), records of today (metering clock, `timeZone`) by status, the clock, active fault rules and the `recent` latest refused calls',
      query: OverviewQuery,
    },
    async ({ query: { timeZone, minutes, recent } }) => {
      const clock = deps.clock.view()
      // The audit trail is kept in real time (as CloudTrail's), records in meterd's metering time.
      const realNowMs = deps.auditClock.nowMs()
      const toMs = Math.floor(realNowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS
      const fromMs = toMs - minutes * MINUTE_MS
      const todayMs = dayStartMs(clock.nowMs, timeZone)
      const [calls, byStatus, refused, faults] = await Promise.all([
        deps.ledger.countAuditEvents(fromMs, toMs),
        deps.ledger.countUsageByStatus({ fromMs: todayMs }),
        recent > 0 ? deps.ledger.listAuditEvents({ failed: true }, undefined, recent, 'newest-first') : Promise.resolve([]),
        deps.faults.list(),
      ])
      const world = deps.catalog.world()
      const totalCalls = calls.reduce((n, c) => n + c.calls, 0)
      const failedCalls = calls.reduce((n, c) => n + (c.outcome === 'Success' ? 0 : c.calls), 0)
      return {
        endpoint: deps.endpointUrl(),
        clock,
        world: {
          accounts: world.accounts.length,
          products: world.products.length,
          customers: world.customers.length,
          licenses: world.licenses.length,
          activeLicenses: world.licenses.filter((l) => grantCovers(l, clock.nowMs)).length,
        },
        calls: {
          from: iso(fromMs),
          to: iso(toMs),
          minutes,
          total: totalCalls,
          failed: failedCalls,
          perMinute: calls.map((c) => ({ minute: iso(c.minuteStartMs), operation: c.operation, outcome: c.outcome, calls: c.calls })),
        },
        today: {
          timeZone,
          from: iso(todayMs),
          accepted: byStatus.find((s) => s.status === 'Success')?.records ?? 0,
          byStatus: byStatus.map((s) => ({ status: s.status, records: s.records, quantity: s.quantity })),
        },
        faults,
        quotas: deps.quotas.settings(),
        recentRefused: refused.map(auditView),
        auditRetentionDays: deps.auditRetentionMs / 86_400_000,
      }
    },
  )
}
