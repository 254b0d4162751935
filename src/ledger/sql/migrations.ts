import type { Kysely, Migration, MigrationProvider } from 'kysely'

// A migration sees the database as it was when the migration was written, not as today's typed
// schema describes it, so migrations work on an untyped Kysely (as Kysely's migration docs advise).
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
type UntypedDb = Kysely<any>

/**
 * Versioned schema changes, applied in name order under Kysely's Migrator lock. Portable DDL only:
 * ids and instants are generated in code so the same migration runs on SQLite and PostgreSQL.
 * Never edit a released migration; add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_usage_ledger': {
    async up(db: UntypedDb) {
      await db.schema
        .createTable('usage_records')
        .addColumn('metering_record_id', 'text', (c) => c.primaryKey())
        .addColumn('dedup_key', 'text', (c) => c.notNull().unique())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('product_code', 'text', (c) => c.notNull())
        .addColumn('dimension', 'text', (c) => c.notNull())
        .addColumn('quantity', 'bigint', (c) => c.notNull())
        .addColumn('timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('hour_ms', 'bigint', (c) => c.notNull())
        .addColumn('customer_identifier', 'text')
        .addColumn('customer_account_id', 'text')
        .addColumn('license_arn', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('allocations', 'text')
        .addColumn('caller_account_id', 'text', (c) => c.notNull())
        .addColumn('caller_access_key_id', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('received_at_ms', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('usage_records_product_hour').on('usage_records').columns(['product_code', 'hour_ms']).execute()
      await db.schema.createIndex('usage_records_received').on('usage_records').columns(['received_at_ms', 'metering_record_id']).execute()
      await db.schema
        .createTable('client_tokens')
        .addColumn('caller_account_id', 'text', (c) => c.notNull())
        .addColumn('client_token', 'text', (c) => c.notNull())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('metering_record_id', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('client_tokens_pk', ['caller_account_id', 'client_token'])
        .execute()
    },
    async down(db: UntypedDb) {
      await db.schema.dropTable('client_tokens').execute()
      await db.schema.dropTable('usage_records').execute()
    },
  },
  '0002_world_keys_tokens_registrations': {
    async up(db: UntypedDb) {
      await db.schema
        .createTable('world_state')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('signing_keys')
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('private_key_pem', 'text', (c) => c.notNull())
        .addColumn('public_key_pem', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint')
        .execute()
      await db.schema
        .createTable('registration_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('product_code', 'text', (c) => c.notNull())
        .addColumn('customer_identifier', 'text', (c) => c.notNull())
        .addColumn('customer_account_id', 'text', (c) => c.notNull())
        .addColumn('license_arn', 'text', (c) => c.notNull())
        .addColumn('offer_type', 'text')
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('registrations')
        .addColumn('registration_key', 'text', (c) => c.primaryKey())
        .addColumn('product_code', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('caller_account_id', 'text', (c) => c.notNull())
        .addColumn('preview', 'integer', (c) => c.notNull())
        .addColumn('first_call_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_call_ms', 'bigint', (c) => c.notNull())
        .addColumn('call_count', 'bigint', (c) => c.notNull())
        .execute()
    },
    async down(db: UntypedDb) {
      for (const table of ['registrations', 'registration_tokens', 'signing_keys', 'world_state'])
        await db.schema.dropTable(table).execute()
    },
  },
  '0003_controls_audit_tags': {
    async up(db: UntypedDb) {
      await db.schema
        .createTable('control_state')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('fault_rules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('remaining', 'bigint')
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('audit_events')
        .addColumn('event_id', 'text', (c) => c.primaryKey())
        .addColumn('time_ms', 'bigint', (c) => c.notNull())
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('caller_account_id', 'text')
        .addColumn('access_key_id', 'text')
        .addColumn('source_ip', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('request_parameters', 'text')
        .addColumn('http_status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('error_message', 'text')
        .addColumn('response_elements', 'text')
        .addColumn('injected_fault', 'text')
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('audit_events_time').on('audit_events').columns(['time_ms', 'event_id']).execute()
      await db.schema
        .createTable('usage_tags')
        .addColumn('metering_record_id', 'text', (c) => c.notNull())
        .addColumn('allocation_index', 'integer', (c) => c.notNull())
        .addColumn('tag_key', 'text', (c) => c.notNull())
        .addColumn('tag_value', 'text', (c) => c.notNull())
        .addColumn('quantity', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('usage_tags_pk', ['metering_record_id', 'allocation_index', 'tag_key'])
        .execute()
      await db.schema.createIndex('usage_tags_key_value').on('usage_tags').columns(['tag_key', 'tag_value']).execute()
      await db.schema.createIndex('usage_records_timestamp').on('usage_records').columns(['timestamp_ms']).execute()
    },
    async down(db: UntypedDb) {
      for (const table of ['usage_tags', 'audit_events', 'fault_rules', 'control_state']) await db.schema.dropTable(table).execute()
      await db.schema.dropIndex('usage_records_timestamp').execute()
    },
  },
  '0004_quota_buckets': {
    async up(db: UntypedDb) {
      await db.schema
        .createTable('quota_buckets')
        .addColumn('bucket', 'text', (c) => c.primaryKey())
        .addColumn('tokens', 'double precision', (c) => c.notNull())
        .addColumn('updated_ms', 'bigint', (c) => c.notNull())
        .addColumn('version', 'bigint', (c) => c.notNull())
        .execute()
    },
    async down(db: UntypedDb) {
      await db.schema.dropTable('quota_buckets').execute()
    },
  },
  '0005_drop_product_hour_index': {
    // Queries filter by usage time (usage_records_timestamp); this index only slowed every insert.
    async up(db: UntypedDb) {
      await db.schema.dropIndex('usage_records_product_hour').execute()
    },
    async down(db: UntypedDb) {
      await db.schema.createIndex('usage_records_product_hour').on('usage_records').columns(['product_code', 'hour_ms']).execute()
    },
  },
  '0006_hour_first_usage_keys': {
    // Usage slot keys now start with their hour instead of ending with it (domain/usage-record.ts).
    // Keys of both shapes must never live side by side, or the retry of a request recorded before
    // the upgrade would not find its slot and would be recorded twice.
    up: (db: UntypedDb) => rewriteUsageKeys(db, hourFirstKey),
    down: (db: UntypedDb) => rewriteUsageKeys(db, hourLastKey),
  },
  '0007_lifecycle_events': {
    // The outbox of subscription lifecycle events, written in the transaction that changes the
    // world: (world_version, position) orders every event of every node.
    async up(db: UntypedDb) {
      await db.schema
        .createTable('lifecycle_events')
        .addColumn('world_version', 'bigint', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('product_code', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('customer_identifier', 'text', (c) => c.notNull())
        .addColumn('agreement_id', 'text')
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('lifecycle_events_pk', ['world_version', 'position'])
        .execute()
    },
    async down(db: UntypedDb) {
      await db.schema.dropTable('lifecycle_events').execute()
    },
  },
  '0008_notifications': {
    // Notifications fanned out of the outbox: the targets' subscription state (and which node
    // delivers to each), one delivery per message and target, and every attempt.
    async up(db: UntypedDb) {
      await db.schema
        .createTable('notification_targets')
        .addColumn('target_id', 'text', (c) => c.primaryKey())
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('subscription_arn', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('token', 'text', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until_ms', 'bigint')
        .execute()
      await db.schema
        .createTable('notification_deliveries')
        .addColumn('delivery_id', 'text', (c) => c.primaryKey())
        .addColumn('target_id', 'text', (c) => c.notNull())
        .addColumn('dedup_key', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('event_world_version', 'bigint')
        .addColumn('event_position', 'integer')
        .addColumn('event_type', 'text')
        .addColumn('message_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('headers', 'text', (c) => c.notNull())
        .addColumn('due_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('order_version', 'bigint', (c) => c.notNull())
        .addColumn('order_position', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('delivered_at_ms', 'bigint')
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('notification_deliveries_dedup', ['target_id', 'dedup_key'])
        .execute()
      await db.schema
        .createIndex('notification_deliveries_queue')
        .on('notification_deliveries')
        .columns(['target_id', 'status', 'due_at_ms', 'order_version', 'order_position'])
        .execute()
      await db.schema
        .createIndex('notification_deliveries_event')
        .on('notification_deliveries')
        .columns(['event_world_version', 'event_position'])
        .execute()
      await db.schema
        .createTable('notification_attempts')
        .addColumn('delivery_id', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addPrimaryKeyConstraint('notification_attempts_pk', ['delivery_id', 'attempt'])
        .execute()
    },
    async down(db: UntypedDb) {
      await db.schema.dropTable('notification_attempts').execute()
      await db.schema.dropTable('notification_deliveries').execute()
      await db.schema.dropTable('notification_targets').execute()
    },
  },
}

/**
 * Rewrites every usage_records.dedup_key, a page of rows at a time, in id order. Kysely runs
 * PostgreSQL migrations in a transaction but not SQLite's (no transactional DDL there), where
 * each UPDATE alone would be a commit of its own: so each page is a transaction of its own there.
 */
async function rewriteUsageKeys(db: UntypedDb, rewrite: (key: string) => string): Promise<void> {
  const inTransaction = (work: (trx: UntypedDb) => Promise<void>) => (db.isTransaction ? work(db) : db.transaction().execute(work))
  let after = ''
  for (;;) {
    const rows: { metering_record_id: string; dedup_key: string }[] = await db
      .selectFrom('usage_records')
      .select(['metering_record_id', 'dedup_key'])
      .where('metering_record_id', '>', after)
      .orderBy('metering_record_id')
      .limit(1000)
      .execute()
    if (rows.length === 0) return
    await inTransaction(async (trx) => {
      for (const row of rows) {
        const key = rewrite(row.dedup_key)
        if (key !== row.dedup_key)
          await trx.updateTable('usage_records').set({ dedup_key: key }).where('metering_record_id', '=', row.metering_record_id).execute()
      }
    })
    after = rows.at(-1)!.metering_record_id
  }
}

// The two key shapes, frozen here as they were when this migration was written: a later change
// of the key format gets a migration of its own.
// Up to 0005: ["B"|"L"|"M", a, b, dimension, hourMs] and ["D", slotKey, quantity].
// From 0006:  [hourMs, "B"|"L"|"M", a, b, dimension] and [hourMs, "D", slotKey, quantity].
type KeyPart = string | number
function hourFirstKey(key: string): string {
  const parts = JSON.parse(key) as KeyPart[]
  if (typeof parts[0] !== 'string') return key // already hour-first
  if (parts[0] === 'D') {
    const slot = hourFirstKey(parts[1] as string)
    return JSON.stringify([(JSON.parse(slot) as KeyPart[])[0], 'D', slot, parts[2]])
  }
  return JSON.stringify([parts[4], ...parts.slice(0, 4)])
}
function hourLastKey(key: string): string {
  const parts = JSON.parse(key) as KeyPart[]
  if (typeof parts[0] !== 'number') return key // already hour-last
  if (parts[1] === 'D') return JSON.stringify(['D', hourLastKey(parts[2] as string), parts[3]])
  return JSON.stringify([...parts.slice(1), parts[0]])
}

export const migrationProvider: MigrationProvider = { getMigrations: async () => MIGRATIONS }

export const LATEST_MIGRATION = Object.keys(MIGRATIONS).sort().at(-1)!
