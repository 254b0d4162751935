import { createHash } from 'node:crypto'
import type { LifecycleEvent } from '../domain/lifecycle-event.js'
import type { EventBridgeDetailType } from '../domain/world.js'

/**
 * EventBridge events of source aws.agreement-marketplace as the seller's bus receives them: the
 * envelope, and the documented detail of each seller-side detail type, with ids that agree with
 * what ResolveCustomer, GetEntitlements and BatchMeterUsage see.
 */
export interface MarketplaceEvent {
  version: '0'
  id: string
  'detail-type': EventBridgeDetailType
  source: string
  account: string
  time: string
  region: 'us-east-1'
  resources: string[]
  detail: Record<string, unknown>
}

/** Open-ended agreements (pay as you go) end at this instant in real events. */
const OPEN_END = '9999-01-01T00:00:00Z'
const iso = (ms: number | undefined | null) => (ms == null ? OPEN_END : new Date(ms).toISOString())

export const agreementArn = (agreementId: string): string => `arn:aws:aws-marketplace::aws:agreement:${agreementId}`

/** A product id (prod-...) derived from the product code: meterd's world names products by code only. */
export const productIdOf = (productCode: string): string =>
  `prod-${createHash('sha256').update(productCode).digest('base64url').replace(/[-_]/g, '').slice(0, 13).toLowerCase()}`

export function marketplaceEvent(
  event: LifecycleEvent,
  detailType: EventBridgeDetailType,
  r: { id: string; requestId: string; source: string; timeMs: number },
): MarketplaceEvent {
  const agreementId = event.agreementId ?? 'agmt-unknown'
  const parties = {
    acceptor: { accountId: event.accountId },
    proposer: { accountId: event.sellerAccountId },
    offer: { id: event.offerId ?? null },
  }
  const head = { requestId: r.requestId, catalog: 'AWSMarketplace' }
  let detail: Record<string, unknown>
  switch (detailType) {
    case 'Purchase Agreement Created - Proposer':
    case 'Purchase Agreement Amended - Proposer':
      detail = {
        ...head,
        agreement: {
          id: agreementId,
          intent: detailType === 'Purchase Agreement Amended - Proposer' ? 'AMEND' : (event.intent ?? 'new').toUpperCase(),
          status: 'ACTIVE',
          acceptanceTime: iso(event.acceptedAtMs ?? event.atMs),
          startTime: iso(event.startMs ?? event.atMs),
          endTime: iso(event.endMs),
        },
        resaleAuthorization: { id: null },
        ...parties,
      }
      break
    case 'Purchase Agreement Ended - Proposer':
      detail = {
        ...head,
        agreement: { id: agreementId, status: (event.status ?? 'cancelled').toUpperCase() },
        resaleAuthorization: { id: null },
        ...parties,
      }
      break
    case 'License Updated - Manufacturer':
    case 'License Deprovisioned - Manufacturer':
      detail = {
        ...head,
        agreement: { id: agreementId },
        product: { code: event.productCode, id: productIdOf(event.productCode) },
        license: { arn: event.licenseArn ?? null },
        ...parties,
      }
      break
  }
  return {
    version: '0',
    id: r.id,
    'detail-type': detailType,
    source: r.source,
    account: event.sellerAccountId,
    // EventBridge's envelope time has whole seconds.
    time: new Date(Math.floor(r.timeMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
    region: 'us-east-1',
    resources: [agreementArn(agreementId)],
    detail,
  }
}
