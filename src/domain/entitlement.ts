import type { License, WorldLookup } from './world.js'

/**
 * A grant covers the instant `atMs` when it lies in [start, end); a suspended grant covers
 * nothing, and an ended one without an end date nothing either.
 */
export function grantCovers(grant: License, atMs: number): boolean {
  if (grant.status === 'suspended') return false
  if (atMs < grant.start) return false
  if (grant.end != null) return atMs < grant.end
  return grant.status === 'active'
}

/** Usage at one instant, reported at another. */
export interface UsageMoment {
  usageAtMs: number
  /** When it is reported (meterd's now). */
  nowMs: number
  /** How long after a grant ends its final metering records are still accepted (AWS: about one hour). */
  finalMeteringMs: number
}

/**
 * A grant honours usage it covers while its metering is open: for ever when it has no end, else
 * until the final-metering window after its end closes (AWS's unsubscribe-pending hour). After
 * that, usage for its hours too answers CustomerNotSubscribed (no further metering accepted).
 */
export function grantHonours(grant: License, m: UsageMoment): boolean {
  return grantCovers(grant, m.usageAtMs) && (grant.end == null || m.nowMs < grant.end + m.finalMeteringMs)
}

export const anyGrantHonours = (grants: readonly License[], m: UsageMoment): boolean => grants.some((g) => grantHonours(g, m))

/** An account is entitled to a product's usage when a grant to any of its customers honours it. */
export function isAccountEntitled(
  world: Pick<WorldLookup, 'customersOfAccount' | 'grantsTo'>,
  accountId: string,
  productCode: string,
  m: UsageMoment,
): boolean {
  return world.customersOfAccount(accountId).some((customer) => anyGrantHonours(world.grantsTo(customer.identifier, productCode), m))
}
