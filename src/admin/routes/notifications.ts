import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Delivery, DeliveryAttempt } from '../../domain/delivery.js'
import { LIFECYCLE_EVENT_TYPES, type LifecycleEventType } from '../../domain/lifecycle-event.js'
import type { Ledger } from '../../ledger/ledger.js'
import type { Dispatcher } from '../../notifications/dispatcher.js'
import type { Clock } from '../../shared/clock.js'
import type { SubscriptionService } from '../../subscriptions/subscription-service.js'
import { AdminError, type RouteBook } from '../route-book.js'
import { eventView } from '../views.js'
import { DeliveryCursorParam, encodeCursor, EventCursorParam, Limit } from './query-params.js'

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString())

/** A delivery as the admin API shows it; `detail` adds what was sent and every attempt. */
export function deliveryView(d: Delivery, attempts?: readonly DeliveryAttempt[], detail = false) {
  return {
    deliveryId: d.deliveryId,
    target: d.targetId,
    kind: d.kind,
    event: d.event ?? null,
    messageId: d.messageId,
    status: d.status,
    due: iso(d.dueAtMs),
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' && d.attempts > 0 ? iso(d.nextAttemptAtMs) : null,
    lastStatusCode: d.lastStatusCode ?? null,
    lastError: d.lastError ?? null,
    deliveredAt: iso(d.deliveredAtMs),
    createdAt: iso(d.createdAtMs),
    ...(attempts
      ? {
          attemptLog: attempts.map((a) => ({
            attempt: a.attempt,
            at: iso(a.atMs),
            durationMs: a.durationMs,
            statusCode: a.statusCode ?? null,
            error: a.error ?? null,
          })),
        }
      : {}),
    ...(detail ? { headers: d.headers, body: d.body } : {}),
  }
}

const attemptsByDelivery = async (ledger: Ledger, deliveries: readonly Delivery[]) => {
  const byId = new Map<string, DeliveryAttempt[]>()
  for (const a of await ledger.listAttempts(deliveries.map((d) => d.deliveryId))) {
    byId.set(a.deliveryId, [...(byId.get(a.deliveryId) ?? []), a])
  }
  return byId
}

/**
 * Notifications: the event outbox with each event's deliveries, the deliveries themselves with
 * every attempt, the targets' subscription state (the targets are the world's `notifications`),
 * and the test trigger.
 */
export function notificationRoutes(
  app: FastifyInstance,
  book: RouteBook,
  deps: { ledger: Ledger; dispatcher: Dispatcher; subscriptions: SubscriptionService; clock: Clock },
): void {
  const { ledger, dispatcher } = deps

  book.add(
    app,
    {
      method: 'GET',
      url: '/events',
      tag: 'events',
      summary: 'Lifecycle events (the outbox), in the order they happened, each with its deliveries; cursor pagination',
      query: z.strictObject({
        productCode: z.string().min(1).optional(),
        customerIdentifier: z.string().min(1).optional(),
        accountId: z
          .string()
          .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
          .optional(),
        agreementId: z.string().min(1).optional(),
        type: z.enum(LIFECYCLE_EVENT_TYPES as [LifecycleEventType, ...LifecycleEventType[]]).optional(),
        limit: Limit,
        cursor: EventCursorParam.optional(),
      }),
    },
    async ({ query: { limit, cursor, type, ...filter } }) => {
      const events = await ledger.listLifecycleEvents({ ...filter, ...(type ? { type } : {}) }, cursor, limit)
      const deliveries = await ledger.listDeliveries({ events }, undefined, 10_000)
      const attempts = await attemptsByDelivery(ledger, deliveries)
      const last = events.at(-1)
      return {
        events: events.map((e) => ({
          ...eventView(e),
          triggered: e.triggered ?? false,
          deliveries: deliveries
            .filter((d) => d.event?.worldVersion === e.worldVersion && d.event.position === e.position)
            .map((d) => deliveryView(d, attempts.get(d.deliveryId) ?? [])),
        })),
        nextCursor: last && events.length === limit ? encodeCursor({ worldVersion: last.worldVersion, position: last.position }) : null,
      }
    },
  )

  book.add(
    app,
    {
      method: 'POST',
      url: '/events/trigger',
      tag: 'events',
      status: 201,
      summary: 'Send a well-formed test event (like `stripe trigger`) to the targets; the world does not change',
      body: z.strictObject({
        type: z.string().min(1),
        productCode: z.string().min(1),
        accountId: z.string().min(1),
        freeTrial: z.boolean().optional(),
      }),
    },
    async ({ body }) => {
      const event = await deps.subscriptions.trigger(body)
      void dispatcher.run()
      return { ...eventView(event), triggered: true }
    },
  )

  book.add(
    app,
    {
      method: 'GET',
      url: '/deliveries',
      tag: 'events',
      summary: 'Deliveries to the notification targets (oldest first), each with its attempts',
      query: z.strictObject({
        target: z.string().min(1).optional(),
        status: z.enum(['pending', 'delivered', 'failed']).optional(),
        limit: Limit,
        cursor: DeliveryCursorParam.optional(),
      }),
    },
    async ({ query }) => {
      const deliveries = await ledger.listDeliveries(
        { ...(query.target ? { targetId: query.target } : {}), ...(query.status ? { status: query.status } : {}) },
        query.cursor?.deliveryId,
        query.limit,
      )
      const attempts = await attemptsByDelivery(ledger, deliveries)
      const last = deliveries.at(-1)
      return {
        deliveries: deliveries.map((d) => deliveryView(d, attempts.get(d.deliveryId) ?? [])),
        nextCursor: last && deliveries.length === query.limit ? encodeCursor({ deliveryId: last.deliveryId }) : null,
      }
    },
  )

  const findDelivery = async (id: string) => {
    const delivery = await ledger.findDelivery(id)
    if (!delivery) throw new AdminError(404, 'NotFound', `no delivery ${id}`)
    return delivery
  }
  book.add(
    app,
    { method: 'GET', url: '/deliveries/:id', tag: 'events', summary: 'One delivery: what was sent (headers, body) and every attempt' },
    async ({ params }) => {
      const delivery = await findDelivery(params.id!)
      return deliveryView(delivery, await ledger.listAttempts([delivery.deliveryId]), true)
    },
  )
  book.add(
    app,
    {
      method: 'POST',
      url: '/deliveries/:id/retry',
      tag: 'events',
      summary: 'Send a failed delivery again (a pending one: now, without waiting for its next try)',
    },
    async ({ params }) => {
      const before = await findDelivery(params.id!)
      if (before.status === 'delivered') throw new AdminError(409, 'AlreadyDelivered', `delivery ${before.deliveryId} was delivered`)
      const delivery = (await ledger.retryDelivery(before.deliveryId, Date.now()))!
      void dispatcher.run()
      return deliveryView(delivery, await ledger.listAttempts([delivery.deliveryId]))
    },
  )

  book.add(
    app,
    {
      method: 'POST',
      url: '/notifications/:key/confirm',
      tag: 'world',
      summary: "Confirm an HTTP endpoint's SNS subscription in its place (as if it had visited the SubscribeURL)",
    },
    async ({ params }) => subscriptionView(await dispatcher.confirmTarget(params.key!)),
  )
  book.add(
    app,
    {
      method: 'GET',
      url: '/notification-certificate',
      tag: 'world',
      summary: 'The certificate SNS messages are signed with, and the SigningCertURL they carry',
    },
    async () => ({
      signingCertUrl: dispatcher.certUrl(),
      fileName: dispatcher.certificate.fileName,
      pem: dispatcher.certificate.certificatePem,
    }),
  )
}

export const subscriptionView = (s: { status: string; subscriptionArn: string; updatedAtMs: number }) => ({
  status: s.status,
  subscriptionArn: s.subscriptionArn,
  since: new Date(s.updatedAtMs).toISOString(),
})
