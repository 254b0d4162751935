/** Row types of the ledger tables (snake_case, instants as epoch milliseconds). */
export interface UsageRecordRow {
  metering_record_id: string
  dedup_key: string
  operation: string
  status: string
  product_code: string
  dimension: string
  quantity: number
  timestamp_ms: number
  hour_ms: number
  customer_identifier: string | null
  customer_account_id: string | null
  license_arn: string | null
  resource_id: string | null
  allocations: string | null
  caller_account_id: string
  caller_access_key_id: string | null
  request_id: string
  received_at_ms: number
}

export interface ClientTokenRow {
  caller_account_id: string
  client_token: string
  fingerprint: string
  metering_record_id: string
  created_at_ms: number
}

export interface WorldStateRow {
  id: number
  version: number
  document: string
  updated_at_ms: number
}

export interface SigningKeyRow {
  version: number
  private_key_pem: string
  public_key_pem: string
  created_at_ms: number
  expires_at_ms: number | null
}

export interface RegistrationTokenRow {
  token_hash: string
  product_code: string
  customer_identifier: string
  customer_account_id: string
  license_arn: string
  offer_type: string | null
  created_at_ms: number
  expires_at_ms: number
}

export interface RegistrationRow {
  registration_key: string
  product_code: string
  resource_id: string
  caller_account_id: string
  preview: number
  first_call_ms: number
  last_call_ms: number
  call_count: number
}

export interface ControlStateRow {
  name: string
  document: string
  updated_at_ms: number
}

export interface FaultRuleRow {
  id: string
  document: string
  remaining: number | null
  created_at_ms: number
}

export interface AuditEventRow {
  event_id: string
  time_ms: number
  operation: string
  caller_account_id: string | null
  access_key_id: string | null
  source_ip: string
  user_agent: string | null
  request_id: string
  request_parameters: string | null
  http_status: number
  error_code: string | null
  error_message: string | null
  response_elements: string | null
  injected_fault: string | null
  duration_ms: number
}

export interface UsageTagRow {
  metering_record_id: string
  allocation_index: number
  tag_key: string
  tag_value: string
  quantity: number
}

export interface QuotaBucketRow {
  bucket: string
  tokens: number
  updated_ms: number
  version: number
}

export interface LifecycleEventRow {
  world_version: number
  position: number
  type: string
  at_ms: number
  product_code: string
  account_id: string
  customer_identifier: string
  agreement_id: string | null
  /** The whole event as JSON. */
  document: string
  created_at_ms: number
}

export interface NotificationTargetRow {
  target_id: string
  fingerprint: string
  subscription_arn: string
  status: string
  token: string
  created_at_ms: number
  updated_at_ms: number
  /** The node delivering to the target, until lease_until_ms (real time). */
  lease_owner: string | null
  lease_until_ms: number | null
}

export interface NotificationDeliveryRow {
  delivery_id: string
  target_id: string
  dedup_key: string
  kind: string
  event_world_version: number | null
  event_position: number | null
  event_type: string | null
  message_id: string
  body: string
  headers: string
  due_at_ms: number
  order_version: number
  order_position: number
  status: string
  attempts: number
  next_attempt_at_ms: number
  last_status_code: number | null
  last_error: string | null
  delivered_at_ms: number | null
  created_at_ms: number
}

export interface NotificationAttemptRow {
  delivery_id: string
  attempt: number
  at_ms: number
  duration_ms: number
  status_code: number | null
  error: string | null
}

export interface LedgerDatabase {
  notification_targets: NotificationTargetRow
  notification_deliveries: NotificationDeliveryRow
  notification_attempts: NotificationAttemptRow
  lifecycle_events: LifecycleEventRow
  quota_buckets: QuotaBucketRow
  control_state: ControlStateRow
  fault_rules: FaultRuleRow
  audit_events: AuditEventRow
  usage_tags: UsageTagRow
  usage_records: UsageRecordRow
  client_tokens: ClientTokenRow
  world_state: WorldStateRow
  signing_keys: SigningKeyRow
  registration_tokens: RegistrationTokenRow
  registrations: RegistrationRow
}
