import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { FaultRuleInput, type FaultRules } from '../../controls/fault-rules.js'
import { QuotaSettings, type Quotas } from '../../controls/quotas.js'
import type { ClockView, VirtualClock } from '../../controls/virtual-clock.js'
import { parseDurationMs } from '../../shared/time.js'
import { AdminError, type RouteBook } from '../route-book.js'

const At = z.string().transform((text, ctx) => {
  const ms = Date.parse(text)
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time' })
    return z.NEVER
  }
  return ms
})
const By = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const negative = typeof value === 'string' && value.startsWith('-')
  const ms = typeof value === 'number' ? value * 1000 : parseDurationMs(negative ? value.slice(1) : value)
  if (ms === undefined || !Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 2h, 90m, -30s or a number of seconds' })
    return z.NEVER
  }
  return negative ? -ms : ms
})

/** The controls a seller tests with: the virtual clock, fault rules and request quotas. */
export function controlRoutes(
  app: FastifyInstance,
  book: RouteBook,
  deps: { clock: VirtualClock; faults: FaultRules; quotas: Quotas; afterClockChange: () => Promise<unknown> },
): void {
  const { clock, faults, quotas } = deps
  // Moving the clock can make lifecycle transitions due (trials, terms, final-metering windows):
  // they are applied before the answer, so a test sees their events right after it moves time.
  const moved = async (view: Promise<ClockView>) => {
    const result = await view
    await deps.afterClockChange()
    return result
  }
  book.add(app, { method: 'GET', url: '/clock', tag: 'clock', summary: "meterd's metering clock" }, async () => clock.view())
  book.add(
    app,
    {
      method: 'POST',
      url: '/clock/freeze',
      tag: 'clock',
      summary: 'Stop the metering clock (at `at`, default now)',
      body: z.strictObject({ at: At.optional() }),
    },
    async ({ body }) => moved(clock.freeze(body.at)),
  )
  book.add(
    app,
    {
      method: 'POST',
      url: '/clock/set',
      tag: 'clock',
      summary: 'Jump to `at`; a frozen clock stays frozen',
      body: z.strictObject({ at: At }),
    },
    async ({ body }) => moved(clock.set(body.at)),
  )
  book.add(
    app,
    {
      method: 'POST',
      url: '/clock/advance',
      tag: 'clock',
      summary: 'Move the metering clock by `by` (e.g. "2h", "-30m", or seconds)',
      body: z.strictObject({ by: By }),
    },
    async ({ body }) => moved(clock.advance(body.by)),
  )
  book.add(
    app,
    { method: 'POST', url: '/clock/resume', tag: 'clock', summary: 'Let a frozen clock run on from where it stands' },
    async () => moved(clock.resume()),
  )
  book.add(app, { method: 'POST', url: '/clock/reset', tag: 'clock', summary: 'Back to real time' }, async () => moved(clock.reset()))

  book.add(app, { method: 'GET', url: '/faults', tag: 'faults', summary: 'Active fault rules' }, async () => ({
    rules: await faults.list(),
  }))
  book.add(
    app,
    {
      method: 'POST',
      url: '/faults',
      tag: 'faults',
      status: 201,
      summary: 'Add a fault rule: an error, unprocessed records and/or latency, by probability, for the next N calls or for a time span',
      body: FaultRuleInput,
    },
    async ({ body }) => faults.add(body),
  )
  book.add(app, { method: 'DELETE', url: '/faults/:id', tag: 'faults', summary: 'Remove one fault rule' }, async ({ params }) => {
    if (!(await faults.remove(params.id!))) throw new AdminError(404, 'NotFound', `no fault rule ${params.id}`)
    return { removed: params.id }
  })
  book.add(app, { method: 'DELETE', url: '/faults', tag: 'faults', summary: 'Remove every fault rule' }, async () => ({
    removed: await faults.clear(),
  }))

  book.add(
    app,
    { method: 'GET', url: '/quotas', tag: 'quotas', summary: 'Request quotas (token buckets per account, Region and operation)' },
    async () => quotas.settings(),
  )
  book.add(
    app,
    {
      method: 'PUT',
      url: '/quotas',
      tag: 'quotas',
      summary: 'Switch quotas on or off and set rates (requests per second)',
      body: QuotaSettings,
    },
    async ({ body }) => quotas.update(body),
  )
}
