import { grantCovers } from './entitlement.js'
import type { LifecycleEvent, LifecycleEventType } from './lifecycle-event.js'
import {
  type Agreement,
  type AgreementStatus,
  type AgreementVersion,
  type Customer,
  type EntitlementValue,
  type License,
  type Offer,
  type Product,
  valueTypeProblem,
  type World,
} from './world.js'

/**
 * The subscription lifecycle, as pure changes of the world: a buyer accepts an offer (an
 * agreement and its license), the contract is amended, renewed, replaced, cancelled or expires,
 * a free trial converts or ends, and an ended subscription keeps a final-metering window before
 * it is closed. Every change returns the lifecycle events it causes, in order, for the outbox.
 */

export type SubscriptionProblem =
  | 'unknown-product'
  | 'unknown-offer'
  | 'offer-not-extended'
  | 'invalid-contract'
  | 'not-subscribed'
  | 'unknown-agreement'
  | 'agreement-not-active'

export class SubscriptionError extends Error {
  constructor(
    readonly reason: SubscriptionProblem,
    message: string,
  ) {
    super(message)
  }
}

export const DEFAULT_FREE_TRIAL_DAYS = 30
const DAY_MS = 24 * 60 * 60 * 1000

export interface LifecyclePolicy {
  /** How long after a subscription ends its final metering records are still accepted (AWS: about an hour). */
  finalMeteringMs: number
}

/** Fresh identifiers, made by the caller (the domain has no randomness of its own). */
export interface NewIds {
  agreementId(): string
  licenseArn(accountId: string): string
  customerIdentifier(): string
}

/** A change of the world and the events it causes. */
export interface Change<T> {
  world: World
  result: T
  events: LifecycleEvent[]
}

export interface SubscribeRequest {
  productCode: string
  accountId: string
  /** The offer accepted; default: the product's first public offer, if it has one. */
  offerId?: string
  /** A free trial (the offer's days, else 30) even when the offer has none. */
  freeTrial?: boolean
  /** A trial converts to the paid term when it ends (default), or the subscription ends with it. */
  trialConverts?: boolean
  /** Contract terms chosen by the buyer, over the offer's. */
  contract?: Record<string, EntitlementValue>
  /** Contract term in months, over the offer's. */
  months?: number
  /** The payment fails: the agreement waits in payment-failed (subscribe-fail) until a later subscribe. */
  paymentFails?: boolean
  nowMs: number
}

export interface Subscription {
  customer: Customer
  license: License
  agreement: Agreement
  createdCustomer: boolean
  createdLicense: boolean
  /** false when the account already held this agreement (the same offer, still active). */
  createdAgreement: boolean
  freeTrial: boolean
}

const current = (a: Agreement): AgreementVersion => a.versions[a.versions.length - 1]!
export const currentVersion = current

/** Agreements that still hold (or are about to hold) the subscription: not ended, not replaced. */
const LIVE: ReadonlySet<AgreementStatus> = new Set(['payment-failed', 'active', 'unsubscribe-pending'])

/** The account's live agreement for the product, the latest first. */
function liveAgreement(world: World, accountId: string, productCode: string): Agreement | undefined {
  return world.agreements.findLast((a) => a.accountId === accountId && a.product === productCode && LIVE.has(current(a).status))
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms)
  return Date.UTC(
    d.getUTCFullYear(),
    d.getUTCMonth() + months,
    d.getUTCDate(),
    d.getUTCHours(),
    d.getUTCMinutes(),
    d.getUTCSeconds(),
    d.getUTCMilliseconds(),
  )
}

/** Builds lifecycle events about one agreement. */
function eventsFor(world: World, agreement: Agreement) {
  const product = world.products.find((p) => p.code === agreement.product)!
  const version = current(agreement)
  const base = {
    productCode: agreement.product,
    sellerAccountId: product.seller,
    accountId: agreement.accountId,
    customerIdentifier: agreement.customer,
    ...(agreement.offer ? { offerId: agreement.offer } : {}),
    agreementId: agreement.id,
    licenseArn: agreement.licenseArn,
    freeTrial: version.freeTrialEnd != null,
    intent: version.intent,
    status: version.status,
    startMs: version.start,
    endMs: version.end,
    acceptedAtMs: agreement.acceptedAt,
  }
  const isContract = product.pricing !== 'usage'
  return {
    event: (type: LifecycleEventType, atMs: number, extra: Partial<LifecycleEvent> = {}): LifecycleEvent => ({
      type,
      atMs,
      ...base,
      ...extra,
    }),
    /** entitlement-updated concerns contracts only (the SNS entitlement topic). */
    entitlementUpdated: (atMs: number): LifecycleEvent[] => (isContract ? [{ type: 'entitlement-updated' as const, atMs, ...base }] : []),
  }
}

const withAgreement = (world: World, agreement: Agreement): World => ({
  ...world,
  agreements: world.agreements.some((a) => a.id === agreement.id)
    ? world.agreements.map((a) => (a.id === agreement.id ? agreement : a))
    : [...world.agreements, agreement],
})

const withLicense = (world: World, license: License): World => ({
  ...world,
  licenses: world.licenses.some((l) => l.arn === license.arn && l.product === license.product)
    ? world.licenses.map((l) => (l.arn === license.arn && l.product === license.product ? license : l))
    : [...world.licenses, license],
})

const addVersion = (agreement: Agreement, change: Omit<AgreementVersion, 'version'>): Agreement => ({
  ...agreement,
  versions: [...agreement.versions, { ...change, version: agreement.versions.length + 1 }],
})

function contractTerms(product: Product, offer: Offer | undefined, chosen: Record<string, EntitlementValue> | undefined) {
  const entitlements = { ...offer?.entitlements, ...chosen }
  for (const [name, value] of Object.entries(chosen ?? {})) {
    const dimension = product.contractDimensions.find((d) => d.name === name)
    if (!dimension) {
      const names = product.contractDimensions.map((d) => d.name).join(', ')
      throw new SubscriptionError(
        'invalid-contract',
        `${product.code} has no contract dimension ${name}${names ? ` (it has ${names})` : ''}`,
      )
    }
    const problem = valueTypeProblem(dimension.type, value)
    if (problem) throw new SubscriptionError('invalid-contract', `${name}: ${problem}`)
  }
  return entitlements
}

/**
 * A buyer accepts an offer. Depending on what the account already holds for the product:
 * - nothing (or an ended subscription): a new agreement (intent new) with a license from now;
 * - an unsubscribe-pending one: a new subscription cancels the pending end (no unsubscribe-success);
 * - an active one for the same offer, with no new terms: nothing changes (the same agreement);
 * - an active one for another offer or other terms: a replacement (intent replace, same license);
 * - a payment-failed one: this acceptance completes it.
 */
export function subscribe(world: World, r: SubscribeRequest, ids: NewIds): Change<Subscription> {
  const product = world.products.find((p) => p.code === r.productCode)
  if (!product) throw new SubscriptionError('unknown-product', `unknown product ${r.productCode}`)
  const offer = r.offerId
    ? world.offers.find((o) => o.id === r.offerId)
    : world.offers.find((o) => o.product === product.code && o.visibility === 'public')
  if (r.offerId && offer?.product !== product.code)
    throw new SubscriptionError('unknown-offer', `no offer ${r.offerId} for product ${product.code}`)
  if (offer?.visibility === 'private' && !offer.buyers.includes(r.accountId)) {
    throw new SubscriptionError('offer-not-extended', `the private offer ${offer.id} is not extended to account ${r.accountId}`)
  }
  const entitlements = contractTerms(product, offer, r.contract)
  const months = r.months ?? offer?.durationMonths
  const trial = r.freeTrial === true || offer?.freeTrialDays !== undefined
  const events: LifecycleEvent[] = []

  const existingCustomer = world.customers.find((c) => c.accountId === r.accountId)
  const customer = existingCustomer ?? { identifier: ids.customerIdentifier(), accountId: r.accountId }
  let next: World = existingCustomer ? world : { ...world, customers: [...world.customers, customer] }

  const live = liveAgreement(next, r.accountId, product.code)
  const liveVersion = live && current(live)
  // 1. The same offer, still active, nothing new asked for: the buyer already holds it.
  if (live && liveVersion?.status === 'active' && live.offer === offer?.id && !r.contract && r.months === undefined && !r.paymentFails) {
    const license = next.licenses.find((l) => l.arn === live.licenseArn && l.product === live.product)!
    return {
      world: next,
      result: {
        customer,
        license,
        agreement: live,
        createdCustomer: false,
        createdLicense: false,
        createdAgreement: false,
        freeTrial: false,
      },
      events,
    }
  }
  const start = r.nowMs
  const version: Omit<AgreementVersion, 'version' | 'intent'> = {
    status: r.paymentFails ? 'payment-failed' : 'active',
    at: r.nowMs,
    start,
    end: months !== undefined ? addMonths(start, months) : null,
    ...(trial
      ? { freeTrialEnd: start + (offer?.freeTrialDays ?? DEFAULT_FREE_TRIAL_DAYS) * DAY_MS, trialConverts: r.trialConverts ?? true }
      : {}),
    autoRenew: offer?.autoRenew ?? false,
    entitlements,
  }
  // The license covers what the agreement will cover, so metering is right even before the
  // lifecycle has caught up with the clock: open-ended, or up to the end that no renewal follows.
  const licenseEnd = (v: Omit<AgreementVersion, 'version' | 'intent'>) =>
    v.freeTrialEnd != null && v.trialConverts === false ? v.freeTrialEnd : v.autoRenew ? null : v.end

  // 2. A payment-failed acceptance is completed; 3. an active one is replaced by this offer.
  if (live && liveVersion && (liveVersion.status === 'payment-failed' || liveVersion.status === 'active')) {
    const license = next.licenses.find((l) => l.arn === live.licenseArn && l.product === live.product)!
    if (liveVersion.status === 'payment-failed' && !r.paymentFails) {
      const completed = addVersion({ ...live, ...(offer ? { offer: offer.id } : {}) }, { ...version, intent: 'new' })
      const updatedLicense: License = { ...license, start, end: licenseEnd(version), status: 'active' }
      next = withLicense(withAgreement(next, completed), updatedLicense)
      const e = eventsFor(next, completed)
      events.push(
        e.event('subscribe-success', r.nowMs),
        e.event('agreement-created', r.nowMs),
        e.event('license-updated', r.nowMs),
        ...e.entitlementUpdated(r.nowMs),
      )
      return {
        world: next,
        result: {
          customer,
          license: updatedLicense,
          agreement: completed,
          createdCustomer: !existingCustomer,
          createdLicense: false,
          createdAgreement: false,
          freeTrial: trial,
        },
        events,
      }
    }
    if (liveVersion.status === 'active') {
      const replaced = addVersion(live, { ...liveVersion, status: 'replaced', at: r.nowMs })
      const replacement: Agreement = {
        id: ids.agreementId(),
        product: product.code,
        ...(offer ? { offer: offer.id } : {}),
        accountId: r.accountId,
        customer: live.customer,
        licenseArn: live.licenseArn,
        acceptedAt: r.nowMs,
        versions: [{ ...version, version: 1, intent: 'replace' }],
      }
      const updatedLicense: License = { ...license, end: licenseEnd(version), status: 'active' }
      next = withLicense(withAgreement(withAgreement(next, replaced), replacement), updatedLicense)
      const before = eventsFor(next, replaced)
      const after = eventsFor(next, replacement)
      events.push(
        before.event('agreement-ended', r.nowMs),
        after.event('agreement-created', r.nowMs, { previousAgreementId: replaced.id }),
        after.event('license-updated', r.nowMs),
        ...after.entitlementUpdated(r.nowMs),
      )
      return {
        world: next,
        result: {
          customer,
          license: updatedLicense,
          agreement: replacement,
          createdCustomer: false,
          createdLicense: false,
          createdAgreement: true,
          freeTrial: trial,
        },
        events,
      }
    }
  }
  // 4. An unsubscribe-pending subscription is resubscribed: it closes without unsubscribe-success.
  if (live && liveVersion?.status === 'unsubscribe-pending') {
    next = withAgreement(next, addVersion(live, { ...liveVersion, status: liveVersion.endingAs!, endingAs: undefined, at: r.nowMs }))
  }
  // 5. A new subscription: a license from now (or one granted before without an agreement).
  const unclaimed = next.licenses.find(
    (l) =>
      l.customer === customer.identifier &&
      l.product === product.code &&
      grantCovers(l, r.nowMs) &&
      !next.agreements.some((a) => a.licenseArn === l.arn && a.product === l.product),
  )
  const license: License = unclaimed
    ? { ...unclaimed, end: licenseEnd(version), status: r.paymentFails ? 'suspended' : 'active' }
    : {
        arn: ids.licenseArn(r.accountId),
        customer: customer.identifier,
        product: product.code,
        start,
        end: licenseEnd(version),
        status: r.paymentFails ? 'suspended' : 'active',
      }
  const agreement: Agreement = {
    id: ids.agreementId(),
    product: product.code,
    ...(offer ? { offer: offer.id } : {}),
    accountId: r.accountId,
    customer: customer.identifier,
    licenseArn: license.arn,
    acceptedAt: r.nowMs,
    versions: [{ ...version, version: 1, intent: 'new' }],
  }
  next = withLicense(withAgreement(next, agreement), license)
  const e = eventsFor(next, agreement)
  if (r.paymentFails) events.push(e.event('subscribe-fail', r.nowMs))
  else
    events.push(
      e.event('subscribe-success', r.nowMs),
      e.event('agreement-created', r.nowMs),
      e.event('license-updated', r.nowMs),
      ...e.entitlementUpdated(r.nowMs),
    )
  return {
    world: next,
    result: {
      customer,
      license,
      agreement,
      createdCustomer: !existingCustomer,
      createdLicense: !unclaimed,
      createdAgreement: true,
      freeTrial: trial,
    },
    events,
  }
}

/**
 * An agreement ends (cancelled by the buyer, expired, terminated): its license stops covering
 * usage from `atMs`, and it stays unsubscribe-pending through the final-metering window.
 */
function endAgreement(
  world: World,
  agreement: Agreement,
  endingAs: 'cancelled' | 'expired' | 'terminated',
  atMs: number,
): Change<Agreement> {
  const version = current(agreement)
  if (version.status === 'payment-failed') {
    // Never paid: nothing was provisioned, so there is nothing to wind down.
    const closed = addVersion(agreement, { ...version, status: endingAs, at: atMs })
    return { world: withAgreement(world, closed), result: closed, events: [] }
  }
  const ended = addVersion(agreement, {
    ...version,
    status: 'unsubscribe-pending',
    endingAs,
    at: atMs,
    end: version.end === null || version.end > atMs ? atMs : version.end,
  })
  const license = world.licenses.find((l) => l.arn === agreement.licenseArn && l.product === agreement.product)
  let next = withAgreement(world, ended)
  if (license)
    next = withLicense(next, { ...license, end: license.end != null && license.end < atMs ? license.end : atMs, status: 'ended' })
  const e = eventsFor(next, ended)
  return {
    world: next,
    result: ended,
    events: [
      e.event('unsubscribe-pending', atMs),
      e.event('agreement-ended', atMs, { status: endingAs }),
      e.event('license-deprovisioned', atMs),
      ...e.entitlementUpdated(atMs),
    ],
  }
}

/** Makes an agreement for a license granted without one (config files, the license routes), so its end follows the lifecycle. */
function adoptLicense(world: World, license: License, accountId: string, ids: NewIds): Agreement {
  const offer = world.offers.find((o) => o.product === license.product && o.visibility === 'public')
  return {
    id: ids.agreementId(),
    product: license.product,
    ...(offer ? { offer: offer.id } : {}),
    accountId,
    customer: license.customer,
    licenseArn: license.arn,
    acceptedAt: license.start,
    versions: [
      {
        version: 1,
        intent: 'new',
        status: 'active',
        at: license.start,
        start: license.start,
        end: license.end ?? null,
        autoRenew: false,
        entitlements: {},
      },
    ],
  }
}

/** The buyer unsubscribes: the account's subscription to the product ends now. */
export function unsubscribe(world: World, r: { productCode: string; accountId: string; nowMs: number }, ids: NewIds): Change<Agreement> {
  let live = liveAgreement(world, r.accountId, r.productCode)
  let next = world
  if (!live) {
    const customers = new Set(world.customers.filter((c) => c.accountId === r.accountId).map((c) => c.identifier))
    const license = world.licenses.find(
      (l) =>
        customers.has(l.customer) &&
        l.product === r.productCode &&
        grantCovers(l, r.nowMs) &&
        !world.agreements.some((a) => a.licenseArn === l.arn && a.product === l.product),
    )
    if (license) {
      live = adoptLicense(world, license, r.accountId, ids)
      next = withAgreement(world, live)
    }
  }
  if (!live || current(live).status === 'unsubscribe-pending') {
    throw new SubscriptionError('not-subscribed', `account ${r.accountId} has no active subscription to ${r.productCode}`)
  }
  return endAgreement(next, live, 'cancelled', r.nowMs)
}

function findAgreement(world: World, agreementId: string): Agreement {
  const agreement = world.agreements.find((a) => a.id === agreementId)
  if (!agreement) throw new SubscriptionError('unknown-agreement', `no agreement ${agreementId}`)
  return agreement
}

function activeAgreement(world: World, agreementId: string): Agreement {
  const agreement = findAgreement(world, agreementId)
  const status = current(agreement).status
  if (status !== 'active') throw new SubscriptionError('agreement-not-active', `agreement ${agreementId} is ${status}, not active`)
  return agreement
}

/** The contract's terms change (an upgrade or a downgrade): a new version of the same agreement. */
export function amend(
  world: World,
  r: { agreementId: string; entitlements: Record<string, EntitlementValue>; nowMs: number },
): Change<Agreement> {
  const agreement = activeAgreement(world, r.agreementId)
  const product = world.products.find((p) => p.code === agreement.product)!
  if (product.pricing === 'usage')
    throw new SubscriptionError('invalid-contract', `${product.code} is sold by usage; it has no contract to amend`)
  const version = current(agreement)
  const entitlements = contractTerms(product, undefined, { ...version.entitlements, ...r.entitlements })
  const amended = addVersion(agreement, { ...version, intent: 'amend', at: r.nowMs, entitlements })
  const next = withAgreement(world, amended)
  const e = eventsFor(next, amended)
  return {
    world: next,
    result: amended,
    events: [e.event('agreement-amended', r.nowMs), e.event('license-updated', r.nowMs), ...e.entitlementUpdated(r.nowMs)],
  }
}

/**
 * The contract renews at `atMs`: the agreement ends as renewed and a new one (intent renew) takes
 * over its license and terms for another term of the same length.
 */
export function renew(world: World, r: { agreementId: string; atMs: number }, ids: NewIds): Change<Agreement> {
  const agreement = activeAgreement(world, r.agreementId)
  const version = current(agreement)
  const termMs = version.end !== null ? version.end - version.start : undefined
  const offerMonths = world.offers.find((o) => o.id === agreement.offer)?.durationMonths
  const end = offerMonths !== undefined ? addMonths(r.atMs, offerMonths) : termMs !== undefined ? r.atMs + termMs : null
  const renewed = addVersion(agreement, { ...version, status: 'renewed', at: r.atMs })
  const renewal: Agreement = {
    ...agreement,
    id: ids.agreementId(),
    acceptedAt: r.atMs,
    versions: [
      {
        version: 1,
        intent: 'renew',
        status: 'active',
        at: r.atMs,
        start: r.atMs,
        end,
        autoRenew: version.autoRenew,
        entitlements: version.entitlements,
      },
    ],
  }
  let next = withAgreement(withAgreement(world, renewed), renewal)
  const license = next.licenses.find((l) => l.arn === agreement.licenseArn && l.product === agreement.product)
  if (license) next = withLicense(next, { ...license, end: version.autoRenew ? null : end, status: 'active' })
  const before = eventsFor(next, renewed)
  const after = eventsFor(next, renewal)
  return {
    world: next,
    result: renewal,
    events: [
      before.event('agreement-ended', r.atMs),
      after.event('agreement-created', r.atMs, { previousAgreementId: agreement.id }),
      after.event('license-updated', r.atMs),
      ...after.entitlementUpdated(r.atMs),
    ],
  }
}

/** The seller's controls: the buyer cancels, or the contract expires (both now, not at the term's end). */
export function endNow(world: World, r: { agreementId: string; as: 'cancelled' | 'expired'; nowMs: number }): Change<Agreement> {
  const agreement = findAgreement(world, r.agreementId)
  const status = current(agreement).status
  if (status !== 'active' && status !== 'payment-failed') {
    throw new SubscriptionError('agreement-not-active', `agreement ${r.agreementId} is ${status}, not active`)
  }
  return endAgreement(world, agreement, r.as, r.nowMs)
}

/** A transition the clock makes due: its instant, and what it does. */
interface Due {
  atMs: number
  apply(world: World): Change<unknown>
}

function dueOf(world: World, agreement: Agreement, policy: LifecyclePolicy, ids: NewIds): Due | undefined {
  const v = current(agreement)
  if (v.status === 'unsubscribe-pending') {
    const atMs = v.at + policy.finalMeteringMs
    return {
      atMs,
      apply: (w) => {
        const a = findAgreement(w, agreement.id)
        const closed = addVersion(a, { ...current(a), status: current(a).endingAs!, endingAs: undefined, at: atMs })
        const next = withAgreement(w, closed)
        return { world: next, result: closed, events: [eventsFor(next, closed).event('unsubscribe-success', atMs)] }
      },
    }
  }
  if (v.status !== 'active') return undefined
  if (v.freeTrialEnd != null && (v.end === null || v.freeTrialEnd <= v.end)) {
    const atMs = v.freeTrialEnd
    if (v.trialConverts === false) return { atMs, apply: (w) => endAgreement(w, findAgreement(w, agreement.id), 'expired', atMs) }
    return {
      atMs,
      apply: (w) => {
        const a = findAgreement(w, agreement.id)
        const converted = addVersion(a, { ...current(a), intent: 'amend', at: atMs, freeTrialEnd: null })
        const next = withAgreement(w, converted)
        const e = eventsFor(next, converted)
        return { world: next, result: converted, events: [e.event('agreement-amended', atMs), ...e.entitlementUpdated(atMs)] }
      },
    }
  }
  if (v.end !== null) {
    const atMs = v.end
    return {
      atMs,
      apply: (w) =>
        v.autoRenew ? renew(w, { agreementId: agreement.id, atMs }, ids) : endAgreement(w, findAgreement(w, agreement.id), 'expired', atMs),
    }
  }
  return undefined
}

/** The instant of the next transition the clock will make due, if any. */
export function nextTransitionAt(world: World, policy: LifecyclePolicy, ids: NewIds): number | undefined {
  let next: number | undefined
  for (const agreement of world.agreements) {
    const due = dueOf(world, agreement, policy, ids)
    if (due && (next === undefined || due.atMs < next)) next = due.atMs
  }
  return next
}

/**
 * Applies every transition due by `nowMs` (final-metering windows closing, free trials ending,
 * terms ending), earliest first, each at its own instant: a clock advanced by a year renews a
 * monthly contract twelve times, in order.
 */
export function advanceLifecycle(world: World, nowMs: number, policy: LifecyclePolicy, ids: NewIds): Change<number> {
  let next = world
  const events: LifecycleEvent[] = []
  let applied = 0
  for (;;) {
    let earliest: Due | undefined
    for (const agreement of next.agreements) {
      const due = dueOf(next, agreement, policy, ids)
      if (due && due.atMs <= nowMs && (!earliest || due.atMs < earliest.atMs)) earliest = due
    }
    if (!earliest) return { world: next, result: applied, events }
    const change = earliest.apply(next)
    next = change.world
    events.push(...change.events)
    applied++
  }
}
