import type { AgreementIntent, AgreementStatus } from './world.js'

/**
 * What happened to a subscription, as the ledger's outbox keeps it: the facts every notification
 * AWS sends about it needs (the SNS subscription and entitlement topics, the EventBridge agreement
 * and license events), so they can be delivered later, to each subscriber exactly once.
 *
 * - subscribe-success / subscribe-fail / unsubscribe-pending / unsubscribe-success: the SNS
 *   subscription topic's actions;
 * - entitlement-updated: the SNS entitlement topic (contracts: new, amended, renewed, ended);
 * - agreement-created / -amended / -ended, license-updated / -deprovisioned: EventBridge's
 *   Purchase Agreement and License events.
 */
export type LifecycleEventType =
  | 'subscribe-success'
  | 'subscribe-fail'
  | 'unsubscribe-pending'
  | 'unsubscribe-success'
  | 'entitlement-updated'
  | 'agreement-created'
  | 'agreement-amended'
  | 'agreement-ended'
  | 'license-updated'
  | 'license-deprovisioned'

export const LIFECYCLE_EVENT_TYPES: readonly LifecycleEventType[] = [
  'subscribe-success',
  'subscribe-fail',
  'unsubscribe-pending',
  'unsubscribe-success',
  'entitlement-updated',
  'agreement-created',
  'agreement-amended',
  'agreement-ended',
  'license-updated',
  'license-deprovisioned',
]

export interface LifecycleEvent {
  type: LifecycleEventType
  /** When it happened, on meterd's (virtual) clock. */
  atMs: number
  productCode: string
  /** The product's seller: the proposer and manufacturer of a direct offer. */
  sellerAccountId: string
  /** The buyer (acceptor). */
  accountId: string
  customerIdentifier: string
  offerId?: string
  agreementId?: string
  licenseArn?: string
  /** The subscription carries a free-trial term (SNS `isFreeTrialTermPresent`). */
  freeTrial: boolean
  intent?: AgreementIntent
  /** The agreement's status after the change. */
  status?: AgreementStatus
  /** The agreement's term after the change (epoch ms; null end: open-ended) and when it was accepted. */
  startMs?: number
  endMs?: number | null
  acceptedAtMs?: number
  /** Renewals and replacements: the agreement this one follows. */
  previousAgreementId?: string
  /** Sent by `meterd events trigger` for testing handlers: nothing in the world changed. */
  triggered?: boolean
}

/** A lifecycle event as stored: its position in the outbox orders every event of every node. */
export interface StoredLifecycleEvent extends LifecycleEvent {
  /** The world version whose change wrote it, and its place among that change's events. */
  worldVersion: number
  position: number
}

export interface LifecycleEventQuery {
  productCode?: string
  customerIdentifier?: string
  accountId?: string
  agreementId?: string
  type?: LifecycleEventType
}

/** Keyset position in the outbox: (worldVersion, position). */
export interface EventCursor {
  worldVersion: number
  position: number
}
