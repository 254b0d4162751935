import { anyGrantHonours, startSecond, type UsageMoment } from './entitlement.js'
import { hourStartMs } from '../shared/time.js'
import { batchSlotKey, licenseSlotKey, type UsageStatus } from './usage-record.js'
import type { Customer, License, Product, WorldLookup } from './world.js'

/** Whom a BatchMeterUsage record names, as sent (at most one of the customer fields is meaningful). */
export interface RecordCustomer {
  customerIdentifier?: string
  customerAccountId?: string
  licenseArn?: string
}

/** Who a record bills: the dedup slot it claims and the grants that may cover it. */
export interface Billing {
  slotKey: string
  grants: readonly License[]
}

export type BillingOutcome = { ok: true; billing: Billing } | { ok: false; licenseProblem: string }

/** Exactly one of CustomerIdentifier and CustomerAWSAccountId: why not, or undefined. */
export function customerFieldsProblem(c: RecordCustomer): string | undefined {
  const hasIdentifier = c.customerIdentifier !== undefined && c.customerIdentifier !== ''
  const hasAccount = c.customerAccountId !== undefined
  if (hasIdentifier && hasAccount)
    return 'CustomerIdentifier and CustomerAWSAccountId are mutually exclusive; send one of them per UsageRecord.'
  if (!hasIdentifier && !hasAccount) return 'Each UsageRecord needs a CustomerIdentifier or a CustomerAWSAccountId.'
  return undefined
}

/**
 * Who a BatchMeterUsage record bills. A LicenseArn record (concurrent agreements) is keyed by
 * account + license and must name the license's holder and fall in its activation period.
 * Otherwise the record is keyed by product + customer: a customer named by identifier or by
 * account id is the same customer, so both fields share one dedup slot.
 */
export function billRecord(
  record: RecordCustomer & { dimension: string; timestampMs: number },
  product: Product,
  world: Pick<WorldLookup, 'findCustomer' | 'customersOfAccount' | 'licenseGrants' | 'grantsTo'>,
): BillingOutcome {
  const hourMs = hourStartMs(record.timestampMs)
  if (record.licenseArn) {
    const account = record.customerAccountId
    const grants = world.licenseGrants(record.licenseArn).filter((g) => g.product === product.code)
    const holder = grants.length > 0 ? world.findCustomer(grants[0]!.customer) : undefined
    if (!account || holder?.accountId !== account) {
      return {
        ok: false,
        licenseProblem: `The LicenseArn ${record.licenseArn} does not belong to CustomerAWSAccountId ${account ?? '(none)'}.`,
      }
    }
    if (!grants.some((g) => record.timestampMs >= startSecond(g))) {
      return {
        ok: false,
        licenseProblem: `Usage at ${new Date(record.timestampMs).toISOString()} is before the license activation period.`,
      }
    }
    return { ok: true, billing: { slotKey: licenseSlotKey(account, record.licenseArn, record.dimension, hourMs), grants } }
  }
  const named = record.customerAccountId
    ? world.customersOfAccount(record.customerAccountId)
    : [world.findCustomer(record.customerIdentifier ?? '')].filter((c): c is Customer => c !== undefined)
  let grants: readonly License[] = []
  let customer: Customer | undefined
  for (const c of named) {
    const held = world.grantsTo(c.identifier, product.code)
    if (held.length === 0) continue
    customer ??= c
    grants = grants.length === 0 ? held : [...grants, ...held]
  }
  customer ??= named[0]
  const customerKey = customer
    ? `customer:${customer.identifier}`
    : record.customerAccountId
      ? `account:${record.customerAccountId}`
      : `unknown:${record.customerIdentifier}`
  return { ok: true, billing: { slotKey: batchSlotKey(product.code, customerKey, record.dimension, hourMs), grants } }
}

/** A record is Success when a grant honours its usage, else CustomerNotSubscribed (and still kept). */
export const batchRecordStatus = (billing: Billing, moment: UsageMoment): UsageStatus =>
  anyGrantHonours(billing.grants, moment) ? 'Success' : 'CustomerNotSubscribed'
