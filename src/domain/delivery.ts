/**
 * Notifications on their way to the seller's targets, as the ledger keeps them: each delivery is
 * one message for one target, rendered once and sent as it is (retries resend the same bytes),
 * with every attempt kept.
 */

/**
 * - notification / event: an SNS message or an EventBridge event about a lifecycle event;
 * - subscription-confirmation / unsubscribe-confirmation: SNS's control messages to an HTTP endpoint.
 */
export type DeliveryKind = 'notification' | 'event' | 'subscription-confirmation' | 'unsubscribe-confirmation'
export type DeliveryStatus = 'pending' | 'delivered' | 'failed'

export interface NewDelivery {
  deliveryId: string
  targetId: string
  /** Unique per target: the same lifecycle event (or confirmation) is never queued twice. */
  dedupKey: string
  kind: DeliveryKind
  /** The lifecycle event it tells of (absent on confirmations). */
  event?: { worldVersion: number; position: number; type: string }
  /** SNS MessageId or EventBridge event id. */
  messageId: string
  /** What is sent: the body, and for HTTP targets the headers. */
  body: string
  headers: Record<string, string>
  /** Due on meterd's clock; deliveries of a target go out in (dueAtMs, event) order. */
  dueAtMs: number
  /** Orders deliveries due at the same instant: the outbox position, confirmations before events. */
  order: { worldVersion: number; position: number }
  createdAtMs: number
}

export interface Delivery extends NewDelivery {
  status: DeliveryStatus
  attempts: number
  /** Real time of the next try while pending. */
  nextAttemptAtMs: number
  lastStatusCode?: number
  lastError?: string
  deliveredAtMs?: number
}

export interface DeliveryAttempt {
  deliveryId: string
  attempt: number
  atMs: number
  durationMs: number
  statusCode?: number
  error?: string
}

/** A target's subscription as SNS keeps it: HTTP endpoints confirm before anything is delivered. */
export type TargetStatus = 'pending-confirmation' | 'confirmed' | 'unsubscribed'

export interface TargetState {
  targetId: string
  /** What the subscription was made for (type, topic, address): a change makes it a new subscription. */
  fingerprint: string
  subscriptionArn: string
  status: TargetStatus
  /** The confirmation token of SubscribeURL. */
  token: string
  createdAtMs: number
  updatedAtMs: number
}

export interface DeliveryQuery {
  targetId?: string
  status?: DeliveryStatus
  /** Deliveries of these outbox events. */
  events?: readonly { worldVersion: number; position: number }[]
}
