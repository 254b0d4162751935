import type { Allocation } from '../../domain/allocations.js'
import type { MeteringOperation, UsageRecord, UsageStatus } from '../../domain/usage-record.js'
import type { Registration, RegistrationToken, SigningKey } from '../../domain/registration.js'
import type { RegistrationRow, RegistrationTokenRow, SigningKeyRow, UsageRecordRow } from './schema.js'

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
