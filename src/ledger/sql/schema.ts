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

export interface LedgerDatabase {
  usage_records: UsageRecordRow
  client_tokens: ClientTokenRow
}
