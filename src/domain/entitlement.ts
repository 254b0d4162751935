import type { License, WorldLookup } from './world.js'

/**
 * A grant covers the instant `atMs` when it lies in [start, end); a suspended grant covers
 * nothing, and an ended one without an end date nothing either. Usage timestamps travel in whole
 * seconds (epoch seconds on the wire, as boto3 and the CLI send them), so a grant that began
 * during a second covers that whole second: usage stamped "now" right after subscribing counts.
 */
export function grantCovers(grant: License, atMs: number): boolean {
  if (grant.status === 'suspended') return false
  if (atMs < startSecond(grant)) return false
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

/** The start of the second the grant began in. */
export const startSecond = (grant: License): number => Math.floor(grant.start / 1000) * 1000

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
