import type { Agreement, ContractValueType, EntitlementValue, Product } from './world.js'

/** One entitlement as GetEntitlements reports it: a contract dimension of one agreement. */
export interface Entitlement {
  productCode: string
  dimension: string
  type: ContractValueType
  value: EntitlementValue
  customerIdentifier: string
  accountId: string
  licenseArn: string
  agreementId: string
  /** When the contract renews or ends (epoch ms); null: no end. */
  expirationMs: number | null
  /** Where the entitlement sorts: stable across calls, so pagination is too. */
  key: EntitlementKey
}

/** (acceptedAt, agreementId, index of the dimension in the product's declaration). */
export type EntitlementKey = readonly [number, string, number]

/** The four filter names: values of one name are unioned, names are intersected. */
export interface EntitlementFilter {
  customerIdentifiers?: readonly string[]
  accountIds?: readonly string[]
  dimensions?: readonly string[]
  licenseArns?: readonly string[]
}

const compareKeys = (a: EntitlementKey, b: EntitlementKey): number => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || a[2] - b[2]

/**
 * The entitlements of a product at `nowMs`: the contract terms of every agreement that holds
 * now. An agreement ends its entitlements when it stops being active (cancelled, expired,
 * renewed into its successor, replaced); a term whose end has passed holds only when it renews
 * itself (the renewal takes over at that instant). Ordered by acceptance, then agreement, then
 * the product's order of dimensions.
 */
export function entitlementsOf(
  product: Product,
  agreements: readonly Agreement[],
  nowMs: number,
  filter: EntitlementFilter = {},
  after?: EntitlementKey,
): Entitlement[] {
  const productCode = product.code
  const out: Entitlement[] = []
  for (const agreement of agreements) {
    if (agreement.product !== productCode) continue
    const version = agreement.versions[agreement.versions.length - 1]!
    if (version.status !== 'active') continue
    if (version.end !== null && nowMs >= version.end && !version.autoRenew) continue
    if (filter.customerIdentifiers && !filter.customerIdentifiers.includes(agreement.customer)) continue
    if (filter.accountIds && !filter.accountIds.includes(agreement.accountId)) continue
    if (filter.licenseArns && !filter.licenseArns.includes(agreement.licenseArn)) continue
    product.contractDimensions.forEach((dimension, index) => {
      const value = version.entitlements[dimension.name]
      if (value === undefined) return
      if (filter.dimensions && !filter.dimensions.includes(dimension.name)) return
      const key: EntitlementKey = [agreement.acceptedAt, agreement.id, index]
      if (after && compareKeys(key, after) <= 0) return
      out.push({
        productCode,
        dimension: dimension.name,
        type: dimension.type,
        value,
        customerIdentifier: agreement.customer,
        accountId: agreement.accountId,
        licenseArn: agreement.licenseArn,
        agreementId: agreement.id,
        expirationMs: version.end,
        key,
      })
    })
  }
  return out.sort((a, b) => compareKeys(a.key, b.key))
}
