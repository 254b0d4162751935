import { randomBytes } from 'node:crypto'
import type { LiveCatalog } from '../catalog/live-catalog.js'
import type { License } from '../domain/world.js'
import { type Subscription, subscribe, unsubscribe } from '../domain/subscriptions.js'
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

export interface SubscriptionService {
  subscribe(r: { productCode: string; accountId: string; freeTrial?: boolean; deliver?: boolean }): Promise<SubscribeResult>
  unsubscribe(r: { productCode: string; accountId: string }): Promise<License[]>
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
// Shaped like AWS's (e.g. "ifAPi5AcF3"); random so identifiers don't leak order.
const newCustomerIdentifier = () => Array.from(randomBytes(11), (b) => ALNUM[b % ALNUM.length]).join('')
const newLicenseArn = (accountId: string) => `arn:aws:license-manager::${accountId}:license/l-${randomBytes(16).toString('hex')}`

/**
 * The buyer's side of AWS Marketplace: subscribing makes the account a customer with a license
 * and mints a registration token; the token goes to the product's fulfillment URL the way AWS
 * sends it, as a browser form POST of x-amzn-marketplace-token.
 */
export function createSubscriptionService(deps: {
  catalog: LiveCatalog
  ledger: Ledger
  clock: Clock
  tokenTtlMs: number
}): SubscriptionService {
  return {
    async subscribe({ productCode, accountId, freeTrial = false, deliver = true }) {
      const nowMs = deps.clock.nowMs()
      const subscription = await deps.catalog.update(
        (world) =>
          subscribe(world, {
            productCode,
            accountId,
            freeTrial,
            nowMs,
            newCustomerIdentifier: newCustomerIdentifier(),
            newLicenseArn: newLicenseArn(accountId),
          }),
        nowMs,
      )
      const registrationToken = mintRegistrationToken()
      const tokenExpiresAtMs = nowMs + deps.tokenTtlMs
      await deps.ledger.saveRegistrationToken({
        tokenHash: hashRegistrationToken(registrationToken),
        productCode,
        customerIdentifier: subscription.customer.identifier,
        customerAccountId: accountId,
        licenseArn: subscription.license.arn,
        ...(freeTrial && subscription.createdLicense ? { offerType: 'free-trial' as const } : {}),
        createdAtMs: nowMs,
        expiresAtMs: tokenExpiresAtMs,
      })
      const result: SubscribeResult = { ...subscription, registrationToken, tokenExpiresAtMs }
      // A trial asked for while a paid license already covers the product is no trial.
      const trial = freeTrial && subscription.createdLicense
      if (trial) result.offerType = 'free-trial'
      const url = deps.catalog.findProduct(productCode)?.fulfillmentUrl
      if (url && deliver) result.fulfillment = await deliverToFulfillment(url, fulfillmentFields(registrationToken, trial))
      return result
    },
    unsubscribe: async ({ productCode, accountId }) => {
      const nowMs = deps.clock.nowMs()
      return deps.catalog.update((world) => unsubscribe(world, { productCode, accountId, nowMs }), nowMs)
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
