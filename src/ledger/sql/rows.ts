import type { Allocation } from '../../domain/allocations.js'
import type { MeteringOperation, UsageRecord, UsageStatus } from '../../domain/usage-record.js'
import type { Registration, RegistrationToken, SigningKey } from '../../domain/registration.js'
import type { AuditEvent } from '../../domain/audit-event.js'
import type {
  Delivery,
  DeliveryAttempt,
  DeliveryKind,
  DeliveryStatus,
  NewDelivery,
  TargetState,
  TargetStatus,
} from '../../domain/delivery.js'
import type {
  AuditEventRow,
  NotificationAttemptRow,
  NotificationDeliveryRow,
  NotificationTargetRow,
  RegistrationRow,
  RegistrationTokenRow,
  SigningKeyRow,
  UsageRecordRow,
} from './schema.js'

export function usageRecordToRow(r: UsageRecord): UsageRecordRow {
  return {
    metering_record_id: r.meteringRecordId,
    dedup_key: r.dedupKey,
    operation: r.operation,
    status: r.status,
    product_code: r.productCode,
    dimension: r.dimension,
    quantity: r.quantity,
    timestamp_ms: r.timestampMs,
    hour_ms: r.hourMs,
    customer_identifier: r.customerIdentifier ?? null,
    customer_account_id: r.customerAccountId ?? null,
    license_arn: r.licenseArn ?? null,
    resource_id: r.resourceId ?? null,
    allocations: r.allocations ? JSON.stringify(r.allocations) : null,
    caller_account_id: r.callerAccountId,
    caller_access_key_id: r.callerAccessKeyId ?? null,
    request_id: r.requestId,
    received_at_ms: r.receivedAtMs,
  }
}

export function rowToUsageRecord(row: UsageRecordRow): UsageRecord {
  const record: UsageRecord = {
    meteringRecordId: row.metering_record_id,
    dedupKey: row.dedup_key,
    operation: row.operation as MeteringOperation,
    status: row.status as UsageStatus,
    productCode: row.product_code,
    dimension: row.dimension,
    quantity: Number(row.quantity),
    timestampMs: Number(row.timestamp_ms),
    hourMs: Number(row.hour_ms),
    callerAccountId: row.caller_account_id,
    requestId: row.request_id,
    receivedAtMs: Number(row.received_at_ms),
  }
  if (row.customer_identifier !== null) record.customerIdentifier = row.customer_identifier
  if (row.customer_account_id !== null) record.customerAccountId = row.customer_account_id
  if (row.license_arn !== null) record.licenseArn = row.license_arn
  if (row.resource_id !== null) record.resourceId = row.resource_id
  if (row.allocations !== null) record.allocations = JSON.parse(row.allocations) as Allocation[]
  if (row.caller_access_key_id !== null) record.callerAccessKeyId = row.caller_access_key_id
  return record
}

export const signingKeyFromRow = (row: SigningKeyRow): SigningKey => {
  const key: SigningKey = {
    version: Number(row.version),
    privateKeyPem: row.private_key_pem,
    publicKeyPem: row.public_key_pem,
    createdAtMs: Number(row.created_at_ms),
  }
  if (row.expires_at_ms !== null) key.expiresAtMs = Number(row.expires_at_ms)
  return key
}

export const registrationTokenToRow = (t: RegistrationToken): RegistrationTokenRow => ({
  token_hash: t.tokenHash,
  product_code: t.productCode,
  customer_identifier: t.customerIdentifier,
  customer_account_id: t.customerAccountId,
  license_arn: t.licenseArn,
  offer_type: t.offerType ?? null,
  created_at_ms: t.createdAtMs,
  expires_at_ms: t.expiresAtMs,
})

export const registrationTokenFromRow = (row: RegistrationTokenRow): RegistrationToken => {
  const token: RegistrationToken = {
    tokenHash: row.token_hash,
    productCode: row.product_code,
    customerIdentifier: row.customer_identifier,
    customerAccountId: row.customer_account_id,
    licenseArn: row.license_arn,
    createdAtMs: Number(row.created_at_ms),
    expiresAtMs: Number(row.expires_at_ms),
  }
  if (row.offer_type === 'free-trial') token.offerType = 'free-trial'
  return token
}

export const registrationToRow = (r: Registration): RegistrationRow => ({
  registration_key: r.key,
  product_code: r.productCode,
  resource_id: r.resourceId,
  caller_account_id: r.callerAccountId,
  preview: r.preview ? 1 : 0,
  first_call_ms: r.firstCallMs,
  last_call_ms: r.lastCallMs,
  call_count: r.callCount,
})

export const registrationFromRow = (row: RegistrationRow): Registration => ({
  key: row.registration_key,
  productCode: row.product_code,
  resourceId: row.resource_id,
  callerAccountId: row.caller_account_id,
  preview: Number(row.preview) === 1,
  firstCallMs: Number(row.first_call_ms),
  lastCallMs: Number(row.last_call_ms),
  callCount: Number(row.call_count),
})

export const auditEventToRow = (e: AuditEvent): AuditEventRow => ({
  event_id: e.eventId,
  time_ms: e.timeMs,
  operation: e.operation,
  caller_account_id: e.callerAccountId ?? null,
  access_key_id: e.accessKeyId ?? null,
  source_ip: e.sourceIp,
  user_agent: e.userAgent ?? null,
  request_id: e.requestId,
  request_parameters: e.requestParametersJson ?? (e.requestParameters === undefined ? null : JSON.stringify(e.requestParameters)),
  http_status: e.httpStatus,
  error_code: e.errorCode ?? null,
  error_message: e.errorMessage ?? null,
  response_elements: e.responseElements === undefined ? null : JSON.stringify(e.responseElements),
  injected_fault: e.injectedFault ?? null,
  duration_ms: e.durationMs,
})

export function auditEventFromRow(row: AuditEventRow): AuditEvent {
  const e: AuditEvent = {
    eventId: row.event_id,
    timeMs: Number(row.time_ms),
    operation: row.operation,
    sourceIp: row.source_ip,
    requestId: row.request_id,
    httpStatus: Number(row.http_status),
    durationMs: Number(row.duration_ms),
  }
  if (row.caller_account_id !== null) e.callerAccountId = row.caller_account_id
  if (row.access_key_id !== null) e.accessKeyId = row.access_key_id
  if (row.user_agent !== null) e.userAgent = row.user_agent
  if (row.request_parameters !== null) e.requestParameters = JSON.parse(row.request_parameters)
  if (row.error_code !== null) e.errorCode = row.error_code
  if (row.error_message !== null) e.errorMessage = row.error_message
  if (row.response_elements !== null) e.responseElements = JSON.parse(row.response_elements)
  if (row.injected_fault !== null) e.injectedFault = row.injected_fault
  return e
}

export const targetStateToRow = (t: TargetState): Omit<NotificationTargetRow, 'lease_owner' | 'lease_until_ms'> => ({
  target_id: t.targetId,
  fingerprint: t.fingerprint,
  subscription_arn: t.subscriptionArn,
  status: t.status,
  token: t.token,
  created_at_ms: t.createdAtMs,
  updated_at_ms: t.updatedAtMs,
})

export const targetStateFromRow = (row: NotificationTargetRow): TargetState => ({
  targetId: row.target_id,
  fingerprint: row.fingerprint,
  subscriptionArn: row.subscription_arn,
  status: row.status as TargetStatus,
  token: row.token,
  createdAtMs: Number(row.created_at_ms),
  updatedAtMs: Number(row.updated_at_ms),
})

export const deliveryToRow = (d: NewDelivery): NotificationDeliveryRow => ({
  delivery_id: d.deliveryId,
  target_id: d.targetId,
  dedup_key: d.dedupKey,
  kind: d.kind,
  event_world_version: d.event?.worldVersion ?? null,
  event_position: d.event?.position ?? null,
  event_type: d.event?.type ?? null,
  message_id: d.messageId,
  body: d.body,
  headers: JSON.stringify(d.headers),
  due_at_ms: d.dueAtMs,
  order_version: d.order.worldVersion,
  order_position: d.order.position,
  status: 'pending',
  attempts: 0,
  next_attempt_at_ms: 0,
  last_status_code: null,
  last_error: null,
  delivered_at_ms: null,
  created_at_ms: d.createdAtMs,
})

export function deliveryFromRow(row: NotificationDeliveryRow): Delivery {
  const delivery: Delivery = {
    deliveryId: row.delivery_id,
    targetId: row.target_id,
    dedupKey: row.dedup_key,
    kind: row.kind as DeliveryKind,
    messageId: row.message_id,
    body: row.body,
    headers: JSON.parse(row.headers) as Record<string, string>,
    dueAtMs: Number(row.due_at_ms),
    order: { worldVersion: Number(row.order_version), position: Number(row.order_position) },
    createdAtMs: Number(row.created_at_ms),
    status: row.status as DeliveryStatus,
    attempts: Number(row.attempts),
    nextAttemptAtMs: Number(row.next_attempt_at_ms),
  }
  if (row.event_world_version !== null)
    delivery.event = { worldVersion: Number(row.event_world_version), position: Number(row.event_position), type: row.event_type! }
  if (row.last_status_code !== null) delivery.lastStatusCode = Number(row.last_status_code)
  if (row.last_error !== null) delivery.lastError = row.last_error
  if (row.delivered_at_ms !== null) delivery.deliveredAtMs = Number(row.delivered_at_ms)
  return delivery
}

export function attemptFromRow(row: NotificationAttemptRow): DeliveryAttempt {
  const attempt: DeliveryAttempt = {
    deliveryId: row.delivery_id,
    attempt: Number(row.attempt),
    atMs: Number(row.at_ms),
    durationMs: Number(row.duration_ms),
  }
  if (row.status_code !== null) attempt.statusCode = Number(row.status_code)
  if (row.error !== null) attempt.error = row.error
  return attempt
}
