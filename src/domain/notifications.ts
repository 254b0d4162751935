import { LIFECYCLE_EVENT_TYPES, type LifecycleEvent, type LifecycleEventType } from './lifecycle-event.js'
import type { NewIds } from './subscriptions.js'
import type { EventBridgeDetailType, NotificationTarget, Product, RetryPolicy, SnsTopic, World } from './world.js'

/**
 * What AWS Marketplace tells a seller about a lifecycle event, and to which of the seller's
 * targets: the SNS subscription and entitlement topics (SaaS products) and the EventBridge
 * agreement and license events. Pure decisions; rendering, signing and sending live in
 * src/notifications.
 */

/** A message on one of the product's SNS topics; `fields` in the order AWS writes them. */
export interface SnsNotice {
  channel: 'sns'
  topic: SnsTopic
  fields: [string, string][]
}

/** An EventBridge event, before its envelope: the detail type and what the detail is built from. */
export interface EventBridgeNotice {
  channel: 'eventbridge'
  detailType: EventBridgeDetailType
}

export type Notice = SnsNotice | EventBridgeNotice

/**
 * `offer-identifier` on the subscription topic: AWS's documents disagree (all offers since
 * January 2024 / private offers only / only on subscribe-success and subscribe-fail).
 */
export type OfferIdentifierMode = 'all' | 'private-offers' | 'subscribe-actions' | 'never'

export interface NotificationSettings {
  offerIdentifier: OfferIdentifierMode
  /** How long after the event (meterd's clock) each type is sent; the types not named are sent at once. */
  delaysMs: Partial<Record<LifecycleEventType, number>>
}

/** As real captures show: License Deprovisioned arrives about 30 seconds after Purchase Agreement Ended. */
export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  offerIdentifier: 'all',
  delaysMs: { 'license-deprovisioned': 30_000 },
}

const DETAIL_TYPES: Partial<Record<LifecycleEventType, EventBridgeDetailType>> = {
  'agreement-created': 'Purchase Agreement Created - Proposer',
  'agreement-amended': 'Purchase Agreement Amended - Proposer',
  'agreement-ended': 'Purchase Agreement Ended - Proposer',
  'license-updated': 'License Updated - Manufacturer',
  'license-deprovisioned': 'License Deprovisioned - Manufacturer',
}

/** The lifecycle event types each detail type comes from (for `events trigger` by detail type). */
export const EVENT_TYPE_OF_DETAIL_TYPE = Object.fromEntries(Object.entries(DETAIL_TYPES).map(([type, detail]) => [detail, type])) as Record<
  EventBridgeDetailType,
  LifecycleEventType
>

/** The notice an event makes, if any, on the channels the product uses. SNS topics exist for SaaS products only. */
export function noticeFor(event: LifecycleEvent, world: World, settings: NotificationSettings): Notice | undefined {
  const product = world.products.find((p) => p.code === event.productCode)
  if (!product) return undefined
  const detailType = DETAIL_TYPES[event.type]
  if (detailType) return usesEventBridge(product) ? { channel: 'eventbridge', detailType } : undefined
  if (!usesSns(product)) return undefined
  if (event.type === 'entitlement-updated') {
    return { channel: 'sns', topic: 'entitlement', fields: baseFields(event) }
  }
  const fields = baseFields(event)
  if (offerIdentifierShown(event, world, settings.offerIdentifier)) fields.push(['offer-identifier', event.offerId!])
  fields.push(['isFreeTrialTermPresent', String(event.freeTrial)])
  return { channel: 'sns', topic: 'subscription', fields }
}

const usesSns = (product: Product) => product.type === 'saas' && product.notifications !== 'eventbridge'
const usesEventBridge = (product: Product) => product.notifications !== 'sns'

function baseFields(event: LifecycleEvent): [string, string][] {
  return [
    ['action', event.type],
    ['customer-identifier', event.customerIdentifier],
    ['product-code', event.productCode],
  ]
}

function offerIdentifierShown(event: LifecycleEvent, world: World, mode: OfferIdentifierMode): boolean {
  if (event.offerId === undefined) return false
  switch (mode) {
    case 'all':
      return true
    case 'never':
      return false
    case 'subscribe-actions':
      return event.type === 'subscribe-success' || event.type === 'subscribe-fail'
    case 'private-offers':
      return world.offers.find((o) => o.id === event.offerId)?.visibility === 'private'
  }
}

/** Whether the target takes the notice: its channel and topic or detail types, and its products. */
export function targetTakes(target: NotificationTarget, notice: Notice, productCode: string): boolean {
  if (target.type === 'sns-http' || target.type === 'sns-sqs')
    return notice.channel === 'sns' && target.product === productCode && target.topic === notice.topic
  if (notice.channel !== 'eventbridge') return false
  if (target.products && !target.products.includes(productCode)) return false
  return !target.detailTypes || target.detailTypes.includes(notice.detailType)
}

/** When the notification of `event` is due, on meterd's clock. */
export function dueAtMs(event: LifecycleEvent, settings: NotificationSettings): number {
  return event.atMs + (settings.delaysMs[event.type] ?? 0)
}

/** Where SNS topics of a product live: AWS Marketplace's account in us-east-1. */
export const MARKETPLACE_SNS_ACCOUNT = '287250355862'

export function snsTopicArn(topic: SnsTopic, productCode: string): string {
  return `arn:aws:sns:us-east-1:${MARKETPLACE_SNS_ACCOUNT}:aws-mp-${topic}-notification-${productCode}`
}

/**
 * SNS's default delivery policies: HTTP/HTTPS endpoints get 3 retries 20 seconds apart;
 * AWS-managed endpoints (SQS, and here EventBridge) are retried for days, backing off to 20 s.
 */
export function defaultRetryPolicy(type: NotificationTarget['type']): RetryPolicy {
  return type === 'sns-http' || type === 'webhook'
    ? { attempts: 4, minDelayMs: 20_000, maxDelayMs: 20_000, backoff: 'linear' }
    : { attempts: 100_015, minDelayMs: 1_000, maxDelayMs: 20_000, backoff: 'exponential' }
}

/**
 * The wait before the next try after `failedAttempts` failed ones, or undefined when the policy
 * has no tries left. Linear: from minDelay to maxDelay evenly over the retries; exponential:
 * minDelay doubling up to maxDelay.
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempts: number): number | undefined {
  if (failedAttempts >= policy.attempts) return undefined
  const retry = failedAttempts // 1 for the first retry
  if (policy.backoff === 'exponential') return Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(retry - 1, 40))
  const retries = policy.attempts - 1
  if (retries <= 1) return policy.minDelayMs
  return Math.round(policy.minDelayMs + ((policy.maxDelayMs - policy.minDelayMs) * (retry - 1)) / (retries - 1))
}

export interface TriggerRequest {
  /** A lifecycle event type, or an EventBridge detail type. */
  type: string
  productCode: string
  accountId: string
  freeTrial?: boolean
  nowMs: number
}

export class TriggerError extends Error {}

/**
 * A well-formed event for testing handlers (`meterd events trigger`), changing nothing in the
 * world: it names the account's agreement for the product when there is one, so that
 * ResolveCustomer and GetEntitlements answer about the same buyer, and made-up ids otherwise.
 */
export function triggeredEvent(world: World, r: TriggerRequest, ids: NewIds): LifecycleEvent {
  const type = (LIFECYCLE_EVENT_TYPES as readonly string[]).includes(r.type)
    ? (r.type as LifecycleEventType)
    : EVENT_TYPE_OF_DETAIL_TYPE[r.type as EventBridgeDetailType]
  if (!type)
    throw new TriggerError(
      `unknown event type '${r.type}': use one of ${LIFECYCLE_EVENT_TYPES.join(', ')} or an EventBridge detail type (${Object.keys(EVENT_TYPE_OF_DETAIL_TYPE).join(', ')})`,
    )
  const product = world.products.find((p) => p.code === r.productCode)
  if (!product) throw new TriggerError(`no product ${r.productCode}`)
  if (!/^\d{12}$/.test(r.accountId)) throw new TriggerError(`account must be a 12-digit AWS account id, got '${r.accountId}'`)
  const agreement = world.agreements.filter((a) => a.product === product.code && a.accountId === r.accountId).at(-1)
  const version = agreement?.versions.at(-1)
  const customer =
    agreement?.customer ??
    world.customers.find(
      (c) => c.accountId === r.accountId && world.licenses.some((l) => l.customer === c.identifier && l.product === product.code),
    )?.identifier ??
    ids.customerIdentifier()
  const offerId = agreement?.offer ?? world.offers.find((o) => o.product === product.code && o.visibility === 'public')?.id
  const ended = ['agreement-ended', 'license-deprovisioned', 'unsubscribe-pending', 'unsubscribe-success'].includes(type)
  return {
    type,
    atMs: r.nowMs,
    productCode: product.code,
    sellerAccountId: product.seller,
    accountId: r.accountId,
    customerIdentifier: customer,
    ...(offerId ? { offerId } : {}),
    agreementId: agreement?.id ?? ids.agreementId(),
    licenseArn: agreement?.licenseArn ?? ids.licenseArn(r.accountId),
    freeTrial: r.freeTrial ?? version?.freeTrialEnd != null,
    intent: type === 'agreement-amended' ? 'amend' : (version?.intent ?? 'new'),
    status: ended ? (version?.endingAs ?? 'cancelled') : 'active',
    startMs: version?.start ?? r.nowMs,
    endMs: version ? version.end : null,
    acceptedAtMs: agreement?.acceptedAt ?? r.nowMs,
    triggered: true,
  }
}
