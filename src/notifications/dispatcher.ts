import { randomBytes, randomUUID } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'
import type { Delivery, NewDelivery, TargetState } from '../domain/delivery.js'
import type { StoredLifecycleEvent } from '../domain/lifecycle-event.js'
import {
  defaultRetryPolicy,
  dueAtMs,
  type Notice,
  type NotificationSettings,
  noticeFor,
  retryDelayMs,
  snsTopicArn,
  targetTakes,
} from '../domain/notifications.js'
import type { NotificationTarget, World } from '../domain/world.js'
import type { Ledger } from '../ledger/ledger.js'
import type { Clock } from '../shared/clock.js'
import { UserError } from '../shared/errors.js'
import { marketplaceEvent } from './eventbridge-events.js'
import type { Senders } from './senders.js'
import type { SigningCertificate } from './signing-certificate.js'
import {
  confirmationEnvelope,
  marketplaceMessage,
  notificationEnvelope,
  type SnsSigner,
  snsHttpHeaders,
  snsTimestamp,
  stableUuid,
} from './sns-messages.js'

export interface DispatcherOptions {
  ledger: Ledger
  world: () => World
  /** meterd's (virtual) clock: when events happened and when their notifications are due. */
  clock: Clock
  /** Real time: retries, leases, attempts. */
  realClock: Clock
  senders: Senders
  certificate: SigningCertificate
  settings: NotificationSettings
  /** Where meterd's SNS endpoint (/sns/) is reached: SubscribeURL, UnsubscribeURL, the certificate (known once meterd listens). */
  publicUrl: () => string
  /** The SigningCertURL to advertise instead of meterd's own (e.g. an https:// URL serving the same certificate). */
  signingCertUrl?: string
  log: { error(object: object, message: string): void }
}

export class SnsApiError extends UserError {
  constructor(
    readonly code: 'InvalidParameter' | 'NotFound' | 'AuthorizationError',
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

export interface Dispatcher {
  readonly certificate: SigningCertificate
  /** The SigningCertURL meterd's messages carry. */
  certUrl(): string
  /** Places the fan-out cursor (first start) and runs a first round. */
  start(): Promise<void>
  /** One round: new targets subscribed, new outbox events fanned out, due deliveries sent. */
  run(): Promise<void>
  /** Runs rounds until nothing is due now (or `maxMs` passed): what has happened is sent before what follows. */
  flush(maxMs: number): Promise<void>
  /** SNS ConfirmSubscription: the token of a SubscriptionConfirmation (or UnsubscribeConfirmation) message. */
  confirmSubscription(topicArn: string, token: string): Promise<TargetState>
  /** The seller confirms in meterd's place (admin API). */
  confirmTarget(targetId: string): Promise<TargetState>
  /** SNS Unsubscribe (the UnsubscribeURL): nothing more is delivered until confirmed again. */
  unsubscribe(subscriptionArn: string): Promise<TargetState>
  close(): Promise<void>
}

const FAN_OUT_BATCH = 200
const DELIVERY_BATCH = 20
const LEASE_MS = 60_000

/**
 * Delivers the outbox to the seller's targets. Each node runs one: fan-out is idempotent (one
 * delivery per event and target) and a target is leased to one node at a time, so its deliveries
 * go out in order, at least once, retried by its delivery policy. A slow or dead target holds up
 * only itself.
 */
export function createDispatcher(o: DispatcherOptions): Dispatcher {
  const node = randomUUID()
  const certUrl = () => o.signingCertUrl ?? `${o.publicUrl()}/sns/${o.certificate.fileName}`
  const signer = (): SnsSigner => ({ privateKeyPem: o.certificate.privateKeyPem, certUrl: certUrl() })
  const inFlight = new Map<string, Promise<void>>()
  let closed = false
  let round: Promise<void> | undefined

  const subscribeUrl = (topicArn: string, token: string) =>
    `${o.publicUrl()}/sns/?${new URLSearchParams({ Action: 'ConfirmSubscription', TopicArn: topicArn, Token: token }).toString()}`
  const unsubscribeUrl = (subscriptionArn: string) =>
    `${o.publicUrl()}/sns/?${new URLSearchParams({ Action: 'Unsubscribe', SubscriptionArn: subscriptionArn }).toString()}`

  const confirmation = (
    target: NotificationTarget & { type: 'sns-http' },
    state: TargetState,
    type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation',
  ): NewDelivery => {
    const topicArn = snsTopicArn(target.topic, target.product)
    const nowMs = o.clock.nowMs()
    const messageId = randomUUID()
    return {
      deliveryId: uuidv7(),
      targetId: target.id,
      dedupKey: `${type}:${state.token}:${state.updatedAtMs}`,
      kind: type === 'SubscriptionConfirmation' ? 'subscription-confirmation' : 'unsubscribe-confirmation',
      messageId,
      body: confirmationEnvelope(
        {
          type,
          messageId,
          token: state.token,
          topicArn,
          subscriptionArn: state.subscriptionArn,
          subscribeUrl: subscribeUrl(topicArn, state.token),
          timestamp: snsTimestamp(nowMs),
        },
        target.signatureVersion,
        signer(),
      ),
      headers: snsHttpHeaders({ type, messageId, topicArn, subscriptionArn: state.subscriptionArn, raw: false }),
      // Control messages are not events of the world: due at once whatever the virtual clock says.
      dueAtMs: 0,
      order: { worldVersion: 0, position: -1 },
      createdAtMs: o.realClock.nowMs(),
    }
  }

  /** Subscribes targets seen for the first time (or whose address changed); HTTP endpoints get a SubscriptionConfirmation. */
  const openTargets = async (world: World): Promise<Map<string, TargetState>> => {
    const states = new Map((await o.ledger.listTargetStates()).map((s) => [s.targetId, s]))
    for (const target of world.notifications) {
      const fingerprint = fingerprintOf(target)
      const existing = states.get(target.id)
      if (existing?.fingerprint === fingerprint) continue
      const nowMs = o.realClock.nowMs()
      const state: TargetState = {
        targetId: target.id,
        fingerprint,
        subscriptionArn: subscriptionArnOf(target),
        status: target.type === 'sns-http' ? 'pending-confirmation' : 'confirmed',
        token: randomBytes(64).toString('hex'),
        createdAtMs: nowMs,
        updatedAtMs: nowMs,
      }
      const first = target.type === 'sns-http' ? [confirmation(target, state, 'SubscriptionConfirmation')] : []
      states.set(target.id, await o.ledger.openTarget(state, first, existing?.fingerprint))
    }
    return states
  }

  const render = (event: StoredLifecycleEvent, notice: Notice, target: NotificationTarget, state: TargetState): NewDelivery => {
    const dueMs = dueAtMs(event, o.settings)
    const common = {
      deliveryId: uuidv7(),
      targetId: target.id,
      dedupKey: `event:${event.worldVersion}:${event.position}`,
      event: { worldVersion: event.worldVersion, position: event.position, type: event.type },
      dueAtMs: dueMs,
      order: { worldVersion: event.worldVersion, position: event.position },
      createdAtMs: o.realClock.nowMs(),
    }
    if (notice.channel === 'eventbridge') {
      const id = stableUuid(`event ${event.worldVersion} ${event.position}`)
      const source = target.type === 'eventbridge' || target.type === 'webhook' ? target.source : 'aws.agreement-marketplace'
      const body = marketplaceEvent(event, notice.detailType, {
        id,
        requestId: stableUuid(`request ${event.worldVersion} ${event.position}`),
        source,
        timeMs: dueMs,
      })
      return { ...common, kind: 'event', messageId: id, body: JSON.stringify(body), headers: {} }
    }
    const sns = target as NotificationTarget & { type: 'sns-http' | 'sns-sqs' }
    const topicArn = snsTopicArn(notice.topic, event.productCode)
    const messageId = stableUuid(`${topicArn} ${event.worldVersion} ${event.position}`)
    const message = marketplaceMessage(notice.fields)
    const body = sns.rawMessageDelivery
      ? message
      : notificationEnvelope(
          { messageId, topicArn, message, timestamp: snsTimestamp(dueMs), unsubscribeUrl: unsubscribeUrl(state.subscriptionArn) },
          sns.signatureVersion,
          signer(),
        )
    const headers =
      sns.type === 'sns-http'
        ? snsHttpHeaders({ type: 'Notification', messageId, topicArn, subscriptionArn: state.subscriptionArn, raw: sns.rawMessageDelivery })
        : {}
    return { ...common, kind: 'notification', messageId, body, headers }
  }

  /** Turns new outbox events into deliveries, for the targets subscribed now (as SNS: a pending subscription gets nothing). */
  const fanOut = async (world: World, states: Map<string, TargetState>) => {
    for (;;) {
      const { cursor, events } = await o.ledger.eventsToFanOut(FAN_OUT_BATCH, o.realClock.nowMs())
      if (events.length === 0) return
      const deliveries = events.flatMap((event) => {
        const notice = noticeFor(event, world, o.settings)
        if (!notice) return []
        return world.notifications
          .filter((t) => targetTakes(t, notice, event.productCode) && states.get(t.id)?.status === 'confirmed')
          .map((t) => render(event, notice, t, states.get(t.id)!))
      })
      const last = events.at(-1)!
      await o.ledger.commitFanOut(cursor, { worldVersion: last.worldVersion, position: last.position }, deliveries, o.realClock.nowMs())
      if (events.length < FAN_OUT_BATCH) return
    }
  }

  /** Sends a target's due deliveries in order; stops at the first that must wait (not due, or retrying). */
  const isDue = (d: Delivery) => d.dueAtMs <= o.clock.nowMs() && d.nextAttemptAtMs <= o.realClock.nowMs()
  const deliverTo = async (target: NotificationTarget, state: TargetState) => {
    // A look first, without writing: most rounds find nothing due, and a lease is a commit.
    const [head] = await o.ledger.pendingDeliveries(target.id, 1)
    if (!head || !isDue(head)) return
    try {
      await deliverDue(target, state)
    } finally {
      await o.ledger.releaseTarget(target.id, node)
    }
  }
  const deliverDue = async (target: NotificationTarget, state: TargetState) => {
    const policy = target.retry ?? defaultRetryPolicy(target.type)
    for (;;) {
      if (closed) return
      if (!(await o.ledger.claimTarget(target.id, node, o.realClock.nowMs(), o.realClock.nowMs() + LEASE_MS))) return
      const batch = await o.ledger.pendingDeliveries(target.id, DELIVERY_BATCH)
      for (const delivery of batch) {
        if (closed) return
        if (!isDue(delivery)) return
        if (state.status === 'unsubscribed' && delivery.kind !== 'unsubscribe-confirmation') {
          await o.ledger.recordAttempt(
            {
              deliveryId: delivery.deliveryId,
              attempt: delivery.attempts + 1,
              atMs: o.realClock.nowMs(),
              durationMs: 0,
              error: 'unsubscribed',
            },
            { status: 'failed', nextAttemptAtMs: 0 },
          )
          continue
        }
        if (!(await attempt(target, delivery, policy))) return
        await o.ledger.claimTarget(target.id, node, o.realClock.nowMs(), o.realClock.nowMs() + LEASE_MS)
      }
      if (batch.length < DELIVERY_BATCH) return
    }
  }

  /** One try; true if the target may go on with its next delivery. */
  const attempt = async (target: NotificationTarget, delivery: Delivery, policy: ReturnType<typeof defaultRetryPolicy>) => {
    const startMs = o.realClock.nowMs()
    const result = await o.senders.send(target, delivery)
    const atMs = o.realClock.nowMs()
    const record = {
      deliveryId: delivery.deliveryId,
      attempt: delivery.attempts + 1,
      atMs: startMs,
      durationMs: Math.max(0, atMs - startMs),
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.error !== undefined ? { error: result.error } : {}),
    }
    if (result.ok) {
      await o.ledger.recordAttempt(record, { status: 'delivered', nextAttemptAtMs: 0 })
      return true
    }
    const waitMs = result.retryable ? retryDelayMs(policy, delivery.attempts + 1) : undefined
    if (waitMs === undefined) {
      await o.ledger.recordAttempt(record, { status: 'failed', nextAttemptAtMs: 0 })
      return true
    }
    await o.ledger.recordAttempt(record, { status: 'pending', nextAttemptAtMs: atMs + waitMs })
    return false
  }

  const runRound = async () => {
    const world = o.world()
    const states = await openTargets(world)
    await fanOut(world, states)
    for (const target of world.notifications) {
      const state = states.get(target.id)
      if (!state || inFlight.has(target.id)) continue
      const work = deliverTo(target, state)
        .catch((error: unknown) => o.log.error({ err: error, target: target.id }, 'delivering notifications failed'))
        .finally(() => inFlight.delete(target.id))
      inFlight.set(target.id, work)
    }
  }
  const run = () => {
    if (closed) return Promise.resolve()
    // Rounds never overlap; a caller during a round waits for it and then runs its own.
    const next = (round ?? Promise.resolve()).then(runRound, runRound)
    round = next.catch(() => undefined)
    return next
  }
  const hasDueWork = async () => {
    for (const target of o.world().notifications) {
      const [head] = await o.ledger.pendingDeliveries(target.id, 1)
      if (head && isDue(head)) return true
    }
    return false
  }

  const topicOf = (state: TargetState) => {
    const target = o.world().notifications.find((t) => t.id === state.targetId)
    return target && (target.type === 'sns-http' || target.type === 'sns-sqs') ? snsTopicArn(target.topic, target.product) : undefined
  }
  const setStatus = async (state: TargetState, status: TargetState['status']) => {
    if (state.status === status) return state
    const target = o.world().notifications.find((t) => t.id === state.targetId)
    const atMs = Math.max(o.realClock.nowMs(), state.updatedAtMs + 1)
    const deliveries =
      status === 'unsubscribed' && target?.type === 'sns-http'
        ? [confirmation(target, { ...state, updatedAtMs: atMs }, 'UnsubscribeConfirmation')]
        : []
    await o.ledger.setTargetStatus(state.targetId, status, [state.status], atMs, deliveries)
    return (await o.ledger.findTargetState({ targetId: state.targetId }))!
  }

  return {
    certificate: o.certificate,
    certUrl,
    async start() {
      await o.ledger.eventsToFanOut(0, o.realClock.nowMs()) // places the cursor on first start
      await run()
    },
    run,
    async flush(maxMs) {
      const deadline = o.realClock.nowMs() + maxMs
      do {
        await run()
        await Promise.all(inFlight.values())
      } while (o.realClock.nowMs() < deadline && (await hasDueWork()))
    },
    async confirmSubscription(topicArn, token) {
      const state = await o.ledger.findTargetState({ token })
      if (!state || topicOf(state) === undefined) throw new SnsApiError('InvalidParameter', 'Invalid parameter: Token', 400)
      if (topicOf(state) !== topicArn) throw new SnsApiError('InvalidParameter', 'Invalid parameter: Topic', 400)
      // What happened before the confirmation is fanned out first, so (as with SNS) it is not delivered.
      await run()
      const confirmed = await setStatus(state, 'confirmed')
      void run()
      return confirmed
    },
    async confirmTarget(targetId) {
      const state = await o.ledger.findTargetState({ targetId })
      if (!state || !o.world().notifications.some((t) => t.id === targetId))
        throw new SnsApiError('NotFound', `no notification target ${targetId}`, 404)
      await run()
      const confirmed = await setStatus(state, 'confirmed')
      void run()
      return confirmed
    },
    async unsubscribe(subscriptionArn) {
      const state = await o.ledger.findTargetState({ subscriptionArn })
      if (!state || topicOf(state) === undefined) throw new SnsApiError('NotFound', 'Subscription does not exist', 404)
      const unsubscribed = await setStatus(state, 'unsubscribed')
      void run()
      return unsubscribed
    },
    async close() {
      closed = true
      await round
      await Promise.all(inFlight.values())
      o.senders.close()
    },
  }
}

/** What a subscription is made for: changing it makes a new subscription (and, for HTTP endpoints, a new confirmation). */
function fingerprintOf(t: NotificationTarget): string {
  switch (t.type) {
    case 'sns-http':
      return JSON.stringify([t.type, t.product, t.topic, t.url])
    case 'sns-sqs':
      return JSON.stringify([t.type, t.product, t.topic, t.queueUrl])
    case 'eventbridge':
      return JSON.stringify([t.type, t.eventBusName, t.endpoint ?? null, t.region])
    case 'webhook':
      return JSON.stringify([t.type, t.url])
  }
}

function subscriptionArnOf(t: NotificationTarget): string {
  if (t.type === 'sns-http' || t.type === 'sns-sqs') return `${snsTopicArn(t.topic, t.product)}:${randomUUID()}`
  return `arn:aws:events:${t.type === 'eventbridge' ? t.region : 'us-east-1'}:meterd:target/${t.id}/${randomUUID()}`
}
