import type { Customer, License, World } from './world.js'
import { grantCovers } from './entitlement.js'

export class SubscriptionError extends Error {
  constructor(
    readonly reason: 'unknown-product' | 'not-subscribed',
    message: string,
  ) {
    super(message)
  }
}

export const FREE_TRIAL_MS = 30 * 24 * 60 * 60 * 1000

export interface SubscribeRequest {
  productCode: string
  accountId: string
  freeTrial: boolean
  nowMs: number
  /** Used when the account is not a customer yet. */
  newCustomerIdentifier: string
  /** Used when no license of the account covers the product now. */
  newLicenseArn: string
}

export interface Subscription {
  customer: Customer
  license: License
  createdCustomer: boolean
  createdLicense: boolean
}

/**
 * A buyer subscribes: the account becomes a customer (or stays the one it is) and gets a license
 * from now (a free trial ends after 30 days), unless a license already covers the product now.
 */
export function subscribe(world: World, r: SubscribeRequest): { world: World; result: Subscription } {
  if (!world.products.some((p) => p.code === r.productCode)) {
    throw new SubscriptionError('unknown-product', `unknown product ${r.productCode}`)
  }
  const existingCustomer = world.customers.find((c) => c.accountId === r.accountId)
  const customer = existingCustomer ?? { identifier: r.newCustomerIdentifier, accountId: r.accountId }
  const current = world.licenses.find((l) => l.customer === customer.identifier && l.product === r.productCode && grantCovers(l, r.nowMs))
  const license: License = current ?? {
    arn: r.newLicenseArn,
    customer: customer.identifier,
    product: r.productCode,
    start: r.nowMs,
    end: r.freeTrial ? r.nowMs + FREE_TRIAL_MS : null,
    status: 'active',
  }
  return {
    world: {
      ...world,
      customers: existingCustomer ? world.customers : [...world.customers, customer],
      licenses: current ? world.licenses : [...world.licenses, license],
    },
    result: { customer, license, createdCustomer: !existingCustomer, createdLicense: !current },
  }
}

/** The buyer cancels: every license of the account's customers to the product ends now. */
export function unsubscribe(
  world: World,
  r: { productCode: string; accountId: string; nowMs: number },
): { world: World; result: License[] } {
  const customers = new Set(world.customers.filter((c) => c.accountId === r.accountId).map((c) => c.identifier))
  const ended: License[] = []
  const licenses = world.licenses.map((l) => {
    if (!customers.has(l.customer) || l.product !== r.productCode || !grantCovers(l, r.nowMs)) return l
    const end = { ...l, end: r.nowMs, status: 'ended' as const }
    ended.push(end)
    return end
  })
  if (ended.length === 0) {
    throw new SubscriptionError('not-subscribed', `account ${r.accountId} has no active license to ${r.productCode}`)
  }
  return { world: { ...world, licenses }, result: ended }
}
