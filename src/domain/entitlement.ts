import type { License, WorldLookup } from './world.js'

/**
 * A grant entitles its customer at `atMs` when the instant lies in [start, end). An ended license
 * keeps covering the hours before its end, so late usage for those hours is still honoured;
 * a suspended one covers nothing.
 */
export function grantCovers(grant: License, atMs: number): boolean {
  if (grant.status === 'suspended') return false
  if (atMs < grant.start) return false
  if (grant.end != null) return atMs < grant.end
  return grant.status === 'active'
}

export const anyGrantCovers = (grants: readonly License[], atMs: number): boolean => grants.some((g) => grantCovers(g, atMs))

/** An account is entitled to a product at `atMs` when a grant to any of its customers covers that instant. */
export function isAccountEntitled(
  world: Pick<WorldLookup, 'customersOfAccount' | 'grantsTo'>,
  accountId: string,
  productCode: string,
  atMs: number,
): boolean {
  return world.customersOfAccount(accountId).some((customer) => anyGrantCovers(world.grantsTo(customer.identifier, productCode), atMs))
}
