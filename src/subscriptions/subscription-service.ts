import { randomBytes } from 'node:crypto'
import type { LiveCatalog, WorldChange } from '../catalog/live-catalog.js'
import type { LifecycleEvent, StoredLifecycleEvent } from '../domain/lifecycle-event.js'
import { type TriggerRequest, triggeredEvent } from '../domain/notifications.js'
import {
  advanceLifecycle,
  amend,
  type Change,
  endNow,
  type LifecyclePolicy,
  type NewIds,
  nextTransitionAt,
  renew,
  subscribe,
  type SubscribeRequest,
  type Subscription,
  unsubscribe,
} from '../domain/subscriptions.js'
import type { Agreement, EntitlementValue, World } from '../domain/world.js'
import type { Ledger } from '../ledger/ledger.js'
import type { Clock } from '../shared/clock.js'
import { hashRegistrationToken, mintRegistrationToken } from './registration-tokens.js'

export interface SubscribeResult extends Subscription {
  registrationToken: string
  tokenExpiresAtMs: number
  offerType?: 'free-trial'
  /** What the fulfillment URL answered to the form POST, when the product has one and delivery was asked for. */
  fulfillment?: FulfillmentDelivery
}

export interface FulfillmentDelivery {
  url: string
  status?: number
  location?: string
  error?: string
}

export type SubscribeOptions = Omit<SubscribeRequest, 'nowMs'> & { deliver?: boolean }

export interface SubscriptionService {
  subscribe(r: SubscribeOptions): Promise<SubscribeResult>
  /** The buyer unsubscribes: the subscription ends now and stays unsubscribe-pending through the final-metering window. */
  unsubscribe(r: { productCode: string; accountId: string }): Promise<Agreement>
  amend(r: { agreementId: string; entitlements: Record<string, EntitlementValue> }): Promise<Agreement>
  renew(r: { agreementId: string }): Promise<Agreement>
  /** Ends an agreement now, as the buyer's cancellation or as an expiry. */
  end(r: { agreementId: string; as: 'cancelled' | 'expired' }): Promise<Agreement>
  /** Applies the transitions meterd's clock has made due (trials ending, terms ending, final-metering windows closing). */
  tick(): Promise<number>
  /** Puts a well-formed event in the outbox for testing handlers, changing nothing else. */
  trigger(r: Omit<TriggerRequest, 'nowMs'>): Promise<StoredLifecycleEvent>
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const LOWER_ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789'
const random = (alphabet: string, n: number) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('')

/** Identifiers shaped like AWS's, random so they leak no order. */
export const NEW_IDS: NewIds = {
  customerIdentifier: () => random(ALNUM, 11), // e.g. "ifAPi5AcF3"
  licenseArn: (accountId) => `arn:aws:license-manager::${accountId}:license/l-${randomBytes(16).toString('hex')}`,
  agreementId: () => `agmt-${random(LOWER_ALNUM, 25)}`,
}

/**
 * The buyer's side of AWS Marketplace and the life of a subscription: subscribing accepts an
 * offer (an agreement, a license, a customer) and mints a registration token, which goes to the
 * product's fulfillment URL the way AWS sends it, as a browser form POST of x-amzn-marketplace-token.
 * Every change first applies the transitions the clock has made due, so events stay in order.
 */
export function createSubscriptionService(deps: {
  catalog: LiveCatalog
  ledger: Ledger
  clock: Clock
  tokenTtlMs: number
  policy: LifecyclePolicy
  /** Runs before the registration token is posted to the fulfillment URL (notifications of the subscription go out first, as AWS's do). */
  beforeFulfillment?: () => Promise<void>
}): SubscriptionService {
  const change = <T>(apply: (world: World, nowMs: number) => Change<T>): Promise<T> => {
    const nowMs = deps.clock.nowMs()
    return deps.catalog.update((world): WorldChange<T> => {
      const caughtUp = advanceLifecycle(world, nowMs, deps.policy, NEW_IDS)
      const changed = apply(caughtUp.world, nowMs)
      const events: LifecycleEvent[] = [...caughtUp.events, ...changed.events]
      return { world: changed.world, result: changed.result, events }
    }, nowMs)
  }
  return {
    async subscribe({ deliver = true, ...request }) {
      const subscription = await change((world, nowMs) => subscribe(world, { ...request, nowMs }, NEW_IDS))
      const nowMs = deps.clock.nowMs()
      const registrationToken = mintRegistrationToken()
      const tokenExpiresAtMs = nowMs + deps.tokenTtlMs
      // A trial asked for while the account already holds the subscription is no trial.
      const trial = subscription.freeTrial && subscription.createdAgreement
      await deps.ledger.saveRegistrationToken({
        tokenHash: hashRegistrationToken(registrationToken),
        productCode: request.productCode,
        customerIdentifier: subscription.customer.identifier,
        customerAccountId: request.accountId,
        licenseArn: subscription.license.arn,
        ...(trial ? { offerType: 'free-trial' as const } : {}),
        createdAtMs: nowMs,
        expiresAtMs: tokenExpiresAtMs,
      })
      const result: SubscribeResult = { ...subscription, registrationToken, tokenExpiresAtMs }
      if (trial) result.offerType = 'free-trial'
      const url = deps.catalog.findProduct(request.productCode)?.fulfillmentUrl
      if (url && deliver) {
        await deps.beforeFulfillment?.()
        result.fulfillment = await deliverToFulfillment(url, fulfillmentFields(registrationToken, trial))
      }
      return result
    },
    unsubscribe: (r) => change((world, nowMs) => unsubscribe(world, { ...r, nowMs }, NEW_IDS)),
    amend: (r) => change((world, nowMs) => amend(world, { ...r, nowMs })),
    renew: (r) => change((world, nowMs) => renew(world, { ...r, atMs: nowMs }, NEW_IDS)),
    end: (r) => change((world, nowMs) => endNow(world, { ...r, nowMs })),
    async tick() {
      const nowMs = deps.clock.nowMs()
      const due = nextTransitionAt(deps.catalog.world(), deps.policy, NEW_IDS)
      if (due === undefined || due > nowMs) return 0
      return deps.catalog.update((world) => advanceLifecycle(world, nowMs, deps.policy, NEW_IDS), nowMs)
    },
    async trigger(r) {
      const nowMs = deps.clock.nowMs()
      const event = triggeredEvent(deps.catalog.world(), { ...r, nowMs }, NEW_IDS)
      // Stored like any change's events (the world's version moves, its content does not), so it
      // takes its place in the outbox's one order.
      await deps.catalog.update((world) => ({ world, result: undefined, events: [event] }), nowMs)
      // The catalog adopts the version it stored before this continuation runs.
      return { ...event, worldVersion: deps.catalog.version(), position: 0 }
    },
  }
}

/** The form fields AWS Marketplace posts to a fulfillment URL. */
export function fulfillmentFields(registrationToken: string, freeTrial: boolean): Record<string, string> {
  const fields: Record<string, string> = { 'x-amzn-marketplace-token': registrationToken }
  if (freeTrial) fields['x-amzn-marketplace-offer-type'] = 'free-trial'
  return fields
}

const DELIVERY_TIMEOUT_MS = 10_000

/** Posts the fields as a browser submits a form: urlencoded, redirects left to the caller. */
async function deliverToFulfillment(url: string, fields: Record<string, string>): Promise<FulfillmentDelivery> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    })
    await response.body?.cancel()
    const delivery: FulfillmentDelivery = { url, status: response.status }
    const location = response.headers.get('location')
    if (location) delivery.location = location
    return delivery
  } catch (error) {
    return { url, error: error instanceof Error ? error.message : String(error) }
  }
}
