import { type Compilable, CompiledQuery, type Kysely, type SelectQueryBuilder, sql } from 'kysely'
import type { AuditCount, AuditEvent, AuditQuery } from '../../domain/audit-event.js'
import type { EventCursor, LifecycleEvent, LifecycleEventQuery, StoredLifecycleEvent } from '../../domain/lifecycle-event.js'
import {
  type ListOrder,
  type RecordCursor,
  SLICE_MS,
  type UsageQuery,
  type UsageStatusCount,
  type UsageSum,
} from '../../domain/usage-query.js'
import type { Registration, RegistrationToken, SigningKey } from '../../domain/registration.js'
import type { UsageRecord } from '../../domain/usage-record.js'
import type {
  Delivery,
  DeliveryAttempt,
  DeliveryQuery,
  DeliveryStatus,
  NewDelivery,
  TargetState,
  TargetStatus,
} from '../../domain/delivery.js'
import type { NewSigningKey, StoredWorld } from '../ledger.js'
import {
  attemptFromRow,
  deliveryFromRow,
  deliveryToRow,
  targetStateFromRow,
  targetStateToRow,
  auditEventFromRow,
  auditEventToRow,
  registrationFromRow,
  registrationToRow,
  registrationTokenFromRow,
  registrationTokenToRow,
  rowToUsageRecord,
  signingKeyFromRow,
  usageRecordToRow,
} from './rows.js'
import type {
  AuditEventRow,
  QuotaBucketRow,
  ClientTokenRow,
  ControlStateRow,
  FaultRuleRow,
  LifecycleEventRow,
  LedgerDatabase,
  NotificationAttemptRow,
  NotificationDeliveryRow,
  NotificationTargetRow,
  RegistrationRow,
  RegistrationTokenRow,
  SigningKeyRow,
  UsageRecordRow,
  WorldStateRow,
} from './schema.js'

// Rows per multi-row statement: far below SQLite's 32766 and PostgreSQL's 65535 parameters.
const INSERT_CHUNK = 500

export type SqlDialect = 'sqlite' | 'postgres'

// PostgreSQL array types of the columns inserted in bulk (see bulkInsert); every column listed.
type ArrayType = 'text' | 'int8' | 'int4'
const USAGE_COLUMN_TYPES: Record<keyof UsageRecordRow, ArrayType> = {
  metering_record_id: 'text',
  dedup_key: 'text',
  operation: 'text',
  status: 'text',
  product_code: 'text',
  dimension: 'text',
  quantity: 'int8',
  timestamp_ms: 'int8',
  hour_ms: 'int8',
  customer_identifier: 'text',
  customer_account_id: 'text',
  license_arn: 'text',
  resource_id: 'text',
  allocations: 'text',
  caller_account_id: 'text',
  caller_access_key_id: 'text',
  request_id: 'text',
  received_at_ms: 'int8',
}
const AUDIT_COLUMN_TYPES: Record<keyof AuditEventRow, ArrayType> = {
  event_id: 'text',
  time_ms: 'int8',
  operation: 'text',
  caller_account_id: 'text',
  access_key_id: 'text',
  source_ip: 'text',
  user_agent: 'text',
  request_id: 'text',
  request_parameters: 'text',
  http_status: 'int4',
  error_code: 'text',
  error_message: 'text',
  response_elements: 'text',
  injected_fault: 'text',
  duration_ms: 'int4',
}

/** SQL of the bulk inserts by dialect, table, row count (SQLite only) and options: see bulkInsert. */
const BULK_SQL = new Map<string, string>()

/** Runs compiled Kysely queries on a connection that is inside a transaction. */
export interface SqlExecutor {
  /** Runs a write and returns how many rows it changed. */
  write(query: Compilable): Promise<number>
  rows<T>(query: Compilable): Promise<T[]>
}

/**
 * Every statement the ledger needs, written once with Kysely for both SQL stores. Each is one
 * statement with no rules in it; idempotency comes from UNIQUE/PRIMARY keys (insert-if-absent,
 * then re-read), never read-then-insert, so it holds when two nodes race.
 */
export function ledgerStatements(db: Kysely<LedgerDatabase>, x: SqlExecutor, dialect: SqlDialect) {
  const first = async <T>(query: Compilable) => (await x.rows<T>(query))[0]
  const usage = (row: UsageRecordRow | undefined): UsageRecord | undefined => (row ? rowToUsageRecord(row) : undefined)
  const usageWhere = <O>(q: SelectQueryBuilder<LedgerDatabase, 'usage_records', O>, f: UsageQuery) => {
    if (f.productCode !== undefined) q = q.where('usage_records.product_code', '=', f.productCode)
    if (f.customerIdentifier !== undefined) q = q.where('usage_records.customer_identifier', '=', f.customerIdentifier)
    if (f.customerAccountId !== undefined) q = q.where('usage_records.customer_account_id', '=', f.customerAccountId)
    if (f.dimension !== undefined) q = q.where('usage_records.dimension', '=', f.dimension)
    if (f.status !== undefined) q = q.where('usage_records.status', '=', f.status)
    if (f.operation !== undefined) q = q.where('usage_records.operation', '=', f.operation)
    if (f.fromMs !== undefined) q = q.where('usage_records.timestamp_ms', '>=', f.fromMs)
    if (f.toMs !== undefined) q = q.where('usage_records.timestamp_ms', '<', f.toMs)
    if (f.tagKey !== undefined) {
      const { tagKey, tagValue } = f
      q = q.where((eb) =>
        eb.exists(
          eb
            .selectFrom('usage_tags')
            .select('usage_tags.tag_key')
            .whereRef('usage_tags.metering_record_id', '=', 'usage_records.metering_record_id')
            .where('usage_tags.tag_key', '=', tagKey)
            .$if(tagValue !== undefined, (sub) => sub.where('usage_tags.tag_value', '=', tagValue!)),
        ),
      )
    }
    return q
  }
  // Bulk inserts are the hot statements, so their SQL is built once and then only bound. SQLite
  // takes a VALUES list, built once per row count. PostgreSQL takes unnest() over one array per
  // column, one statement whatever the count: planning a VALUES list of n rows × 18 parameters on
  // every call cost it more than storing the rows. The texts live in BULK_SQL, not in here: the
  // PostgreSQL ledger makes these statements anew for every transaction.
  // The bulk statements name their table at run time, which the typed Kysely cannot express.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  const anyDb = db as unknown as Kysely<any>
  const bulkInsert = (
    table: string,
    types: Record<string, ArrayType>,
    rows: readonly object[],
    options: { ignoreConflicts?: boolean; returning?: string } = {},
  ): Compilable => {
    const postgres = dialect === 'postgres'
    const columns = postgres ? Object.keys(types) : Object.keys(rows[0]!) // SQLite: the order Kysely gives the INSERT
    const cacheKey = `${dialect}/${table}/${postgres ? '' : rows.length}/${options.ignoreConflicts ?? false}/${options.returning ?? ''}`
    let text = BULK_SQL.get(cacheKey)
    if (text === undefined) {
      let q = postgres
        ? anyDb
            .insertInto(table)
            .columns(columns)
            .expression(sql`select * from unnest(${sql.join(columns.map((c) => sql`${[]}::${sql.raw(types[c]!)}[]`))})`)
        : anyDb.insertInto(table).values(rows as Record<string, unknown>[])
      if (options.ignoreConflicts) q = q.onConflict((oc) => oc.doNothing())
      text = (options.returning ? q.returning(options.returning) : q).compile().sql
      BULK_SQL.set(cacheKey, text)
    }
    const values = rows as readonly Record<string, unknown>[]
    const parameters = postgres ? columns.map((c) => values.map((r) => r[c])) : values.flatMap((r) => columns.map((c) => r[c]))
    return { compile: () => CompiledQuery.raw(text, parameters) }
  }
  // Whole 15-minute slices, inlined so PostgreSQL sees one expression in SELECT and GROUP BY.
  const slice = sql<number>`(usage_records.timestamp_ms / ${sql.lit(SLICE_MS)}) * ${sql.lit(SLICE_MS)}`
  return {
    /**
     * Inserts the records whose dedup key is free (the first of equal keys wins) and returns the
     * ids of those inserted. Rows go in dedup-key order so that concurrent transactions on other
     * nodes take the key locks in the same order and cannot deadlock each other.
     */
    async insertUsageIfAbsent(records: readonly UsageRecord[]): Promise<Set<string>> {
      const inserted = new Set<string>()
      const ordered = [...records].sort((a, b) => (a.dedupKey < b.dedupKey ? -1 : a.dedupKey > b.dedupKey ? 1 : 0))
      for (let i = 0; i < ordered.length; i += INSERT_CHUNK) {
        const rows = await x.rows<{ metering_record_id: string }>(
          bulkInsert('usage_records', USAGE_COLUMN_TYPES, ordered.slice(i, i + INSERT_CHUNK).map(usageRecordToRow), {
            ignoreConflicts: true,
            returning: 'metering_record_id',
          }),
        )
        for (const row of rows) inserted.add(row.metering_record_id)
      }
      const tags = ordered
        .filter((r) => inserted.has(r.meteringRecordId))
        .flatMap((r) =>
          (r.allocations ?? []).flatMap((a, i) =>
            a.tags.map((t) => ({
              metering_record_id: r.meteringRecordId,
              allocation_index: i,
              tag_key: t.key,
              tag_value: t.value,
              quantity: a.quantity,
            })),
          ),
        )
      for (let i = 0; i < tags.length; i += INSERT_CHUNK) await x.write(db.insertInto('usage_tags').values(tags.slice(i, i + INSERT_CHUNK)))
      return inserted
    },
    async findUsageByKeys(dedupKeys: readonly string[]): Promise<Map<string, UsageRecord>> {
      const found = new Map<string, UsageRecord>()
      const unique = [...new Set(dedupKeys)]
      for (let i = 0; i < unique.length; i += INSERT_CHUNK) {
        const rows = await x.rows<UsageRecordRow>(
          db
            .selectFrom('usage_records')
            .selectAll()
            .where('dedup_key', 'in', unique.slice(i, i + INSERT_CHUNK)),
        )
        for (const row of rows) found.set(row.dedup_key, rowToUsageRecord(row))
      }
      return found
    },
    async listUsage(
      filter: UsageQuery,
      after: RecordCursor | undefined,
      limit: number,
      order: ListOrder = 'oldest-first',
    ): Promise<UsageRecord[]> {
      const [beyond, direction] = order === 'oldest-first' ? (['>', 'asc'] as const) : (['<', 'desc'] as const)
      let q = usageWhere(db.selectFrom('usage_records').selectAll('usage_records'), filter)
      if (after) {
        q = q.where((eb) =>
          eb.or([
            eb('usage_records.received_at_ms', beyond, after.receivedAtMs),
            eb.and([
              eb('usage_records.received_at_ms', '=', after.receivedAtMs),
              eb('usage_records.metering_record_id', beyond, after.meteringRecordId),
            ]),
          ]),
        )
      }
      const rows = await x.rows<UsageRecordRow>(
        q.orderBy('usage_records.received_at_ms', direction).orderBy('usage_records.metering_record_id', direction).limit(limit),
      )
      return rows.map(rowToUsageRecord)
    },
    async countUsageByStatus(filter: UsageQuery): Promise<UsageStatusCount[]> {
      const rows = await x.rows<{ status: string; records: number | string; quantity: number | string }>(
        usageWhere(db.selectFrom('usage_records'), filter)
          .select('usage_records.status')
          .select((eb) => [eb.fn.countAll().as('records'), eb.fn.sum('usage_records.quantity').as('quantity')])
          .groupBy('usage_records.status')
          .orderBy('usage_records.status'),
      )
      return rows.map((r) => ({ status: r.status as UsageStatusCount['status'], records: Number(r.records), quantity: Number(r.quantity) }))
    },
    async sumUsage(filter: UsageQuery, byTagKey: string | undefined): Promise<UsageSum[]> {
      const base = usageWhere(db.selectFrom('usage_records'), filter)
        .select(['usage_records.product_code', 'usage_records.dimension'])
        .select((eb) => [
          eb.fn.coalesce('usage_records.customer_identifier', 'usage_records.customer_account_id').as('customer'),
          slice.as('slice_start_ms'),
          eb.fn.countAll().as('records'),
        ])
        .groupBy(['usage_records.product_code', 'customer', 'usage_records.dimension', 'slice_start_ms'])
      type Row = {
        product_code: string
        dimension: string
        customer: string
        slice_start_ms: number | string
        records: number | string
        quantity: number | string
        tag_value?: string
      }
      const rows =
        byTagKey === undefined
          ? await x.rows<Row>(base.select((eb) => eb.fn.sum('usage_records.quantity').as('quantity')))
          : await x.rows<Row>(
              base
                .innerJoin('usage_tags', 'usage_tags.metering_record_id', 'usage_records.metering_record_id')
                .where('usage_tags.tag_key', '=', byTagKey)
                .select((eb) => [eb.fn.sum('usage_tags.quantity').as('quantity'), 'usage_tags.tag_value'])
                .groupBy('usage_tags.tag_value'),
            )
      return rows.map((r) => ({
        productCode: r.product_code,
        customer: r.customer,
        dimension: r.dimension,
        ...(r.tag_value !== undefined ? { tagValue: r.tag_value } : {}),
        sliceStartMs: Number(r.slice_start_ms),
        quantity: Number(r.quantity),
        records: Number(r.records),
      }))
    },
    findUsageById: async (id: string) =>
      usage(await first(db.selectFrom('usage_records').selectAll().where('metering_record_id', '=', id))),
    countUsage: async () =>
      Number((await first<{ n: number | string }>(db.selectFrom('usage_records').select((eb) => eb.fn.countAll().as('n'))))?.n ?? 0),

    insertClientTokenIfAbsent: async (row: ClientTokenRow) =>
      (await x.write(
        db
          .insertInto('client_tokens')
          .values(row)
          .onConflict((oc) => oc.doNothing()),
      )) > 0,
    findClientToken: (accountId: string, token: string) =>
      first<ClientTokenRow>(
        db.selectFrom('client_tokens').selectAll().where('caller_account_id', '=', accountId).where('client_token', '=', token),
      ),
    pointClientToken: async (accountId: string, token: string, meteringRecordId: string) => {
      await x.write(
        db
          .updateTable('client_tokens')
          .set({ metering_record_id: meteringRecordId })
          .where('caller_account_id', '=', accountId)
          .where('client_token', '=', token),
      )
    },

    async loadWorld(): Promise<StoredWorld | undefined> {
      const row = await first<WorldStateRow>(db.selectFrom('world_state').selectAll().where('id', '=', 1))
      return row ? { version: Number(row.version), document: JSON.parse(row.document) as unknown } : undefined
    },
    async worldVersion(): Promise<number> {
      const row = await first<{ version: number | string }>(db.selectFrom('world_state').select('version').where('id', '=', 1))
      return row ? Number(row.version) : 0
    },
    async saveWorld(expectedVersion: number, document: unknown, atMs: number): Promise<boolean> {
      const text = JSON.stringify(document)
      if (expectedVersion === 0) {
        return (
          (await x.write(
            db
              .insertInto('world_state')
              .values({ id: 1, version: 1, document: text, updated_at_ms: atMs })
              .onConflict((oc) => oc.doNothing()),
          )) > 0
        )
      }
      return (
        (await x.write(
          db
            .updateTable('world_state')
            .set({ version: expectedVersion + 1, document: text, updated_at_ms: atMs })
            .where('id', '=', 1)
            .where('version', '=', expectedVersion),
        )) > 0
      )
    },

    async insertLifecycleEvents(worldVersion: number, events: readonly LifecycleEvent[], atMs: number): Promise<void> {
      const rows = events.map((e, position) => ({
        world_version: worldVersion,
        position,
        type: e.type,
        at_ms: e.atMs,
        product_code: e.productCode,
        account_id: e.accountId,
        customer_identifier: e.customerIdentifier,
        agreement_id: e.agreementId ?? null,
        document: JSON.stringify(e),
        created_at_ms: atMs,
      }))
      for (let i = 0; i < rows.length; i += INSERT_CHUNK)
        await x.write(db.insertInto('lifecycle_events').values(rows.slice(i, i + INSERT_CHUNK)))
    },
    async listLifecycleEvents(filter: LifecycleEventQuery, after: EventCursor | undefined, limit: number): Promise<StoredLifecycleEvent[]> {
      let q = db.selectFrom('lifecycle_events').selectAll()
      if (filter.productCode !== undefined) q = q.where('product_code', '=', filter.productCode)
      if (filter.customerIdentifier !== undefined) q = q.where('customer_identifier', '=', filter.customerIdentifier)
      if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId)
      if (filter.agreementId !== undefined) q = q.where('agreement_id', '=', filter.agreementId)
      if (filter.type !== undefined) q = q.where('type', '=', filter.type)
      if (after) {
        q = q.where((eb) =>
          eb.or([
            eb('world_version', '>', after.worldVersion),
            eb.and([eb('world_version', '=', after.worldVersion), eb('position', '>', after.position)]),
          ]),
        )
      }
      const rows = await x.rows<LifecycleEventRow>(q.orderBy('world_version').orderBy('position').limit(limit))
      return rows.map((r) => ({
        ...(JSON.parse(r.document) as LifecycleEvent),
        worldVersion: Number(r.world_version),
        position: Number(r.position),
      }))
    },

    async newestLifecycleEvent(): Promise<EventCursor | undefined> {
      const row = await first<{ world_version: number; position: number }>(
        db
          .selectFrom('lifecycle_events')
          .select(['world_version', 'position'])
          .orderBy('world_version', 'desc')
          .orderBy('position', 'desc')
          .limit(1),
      )
      return row ? { worldVersion: Number(row.world_version), position: Number(row.position) } : undefined
    },

    listSigningKeys: async (): Promise<SigningKey[]> =>
      (await x.rows<SigningKeyRow>(db.selectFrom('signing_keys').selectAll().orderBy('version'))).map(signingKeyFromRow),
    async insertSigningKeyIfAbsent(version: number, key: NewSigningKey): Promise<boolean> {
      return (
        (await x.write(
          db
            .insertInto('signing_keys')
            .values({
              version,
              private_key_pem: key.privateKeyPem,
              public_key_pem: key.publicKeyPem,
              created_at_ms: key.createdAtMs,
              expires_at_ms: null,
            })
            .onConflict((oc) => oc.doNothing()),
        )) > 0
      )
    },
    async expireSigningKeys(belowVersion: number, atMs: number): Promise<void> {
      await x.write(
        db.updateTable('signing_keys').set({ expires_at_ms: atMs }).where('version', '<', belowVersion).where('expires_at_ms', 'is', null),
      )
    },

    async saveRegistrationToken(token: RegistrationToken): Promise<void> {
      await x.write(db.insertInto('registration_tokens').values(registrationTokenToRow(token)))
    },
    async findRegistrationToken(tokenHash: string): Promise<RegistrationToken | undefined> {
      const row = await first<RegistrationTokenRow>(db.selectFrom('registration_tokens').selectAll().where('token_hash', '=', tokenHash))
      return row ? registrationTokenFromRow(row) : undefined
    },

    async findRegistration(key: string): Promise<Registration | undefined> {
      const row = await first<RegistrationRow>(db.selectFrom('registrations').selectAll().where('registration_key', '=', key))
      return row ? registrationFromRow(row) : undefined
    },
    insertRegistrationIfAbsent: async (registration: Registration) =>
      (await x.write(
        db
          .insertInto('registrations')
          .values(registrationToRow(registration))
          .onConflict((oc) => oc.doNothing()),
      )) > 0,
    async insertAuditEvents(events: readonly AuditEvent[]): Promise<void> {
      for (let i = 0; i < events.length; i += INSERT_CHUNK)
        await x.write(bulkInsert('audit_events', AUDIT_COLUMN_TYPES, events.slice(i, i + INSERT_CHUNK).map(auditEventToRow)))
    },
    async listAuditEvents(
      filter: AuditQuery,
      after: { timeMs: number; eventId: string } | undefined,
      limit: number,
      order: ListOrder = 'oldest-first',
    ): Promise<AuditEvent[]> {
      const [beyond, direction] = order === 'oldest-first' ? (['>', 'asc'] as const) : (['<', 'desc'] as const)
      let q = db.selectFrom('audit_events').selectAll()
      if (filter.operation !== undefined) q = q.where('operation', '=', filter.operation)
      if (filter.callerAccountId !== undefined) q = q.where('caller_account_id', '=', filter.callerAccountId)
      if (filter.accessKeyId !== undefined) q = q.where('access_key_id', '=', filter.accessKeyId)
      if (filter.errorCode !== undefined) q = q.where('error_code', '=', filter.errorCode)
      if (filter.failed !== undefined) q = q.where('error_code', filter.failed ? 'is not' : 'is', null)
      if (filter.injectedOnly) q = q.where('injected_fault', 'is not', null)
      if (filter.fromMs !== undefined) q = q.where('time_ms', '>=', filter.fromMs)
      if (filter.toMs !== undefined) q = q.where('time_ms', '<', filter.toMs)
      if (after) {
        q = q.where((eb) =>
          eb.or([eb('time_ms', beyond, after.timeMs), eb.and([eb('time_ms', '=', after.timeMs), eb('event_id', beyond, after.eventId)])]),
        )
      }
      return (await x.rows<AuditEventRow>(q.orderBy('time_ms', direction).orderBy('event_id', direction).limit(limit))).map(
        auditEventFromRow,
      )
    },
    async countAuditEvents(fromMs: number, toMs: number): Promise<AuditCount[]> {
      const minute = sql<number>`(time_ms / 60000) * 60000`
      const rows = await x.rows<{ minute_start_ms: number | string; operation: string; outcome: string; calls: number | string }>(
        db
          .selectFrom('audit_events')
          .select((eb) => [
            minute.as('minute_start_ms'),
            'operation',
            eb.fn.coalesce('error_code', sql.lit('Success')).as('outcome'),
            eb.fn.countAll().as('calls'),
          ])
          .where('time_ms', '>=', fromMs)
          .where('time_ms', '<', toMs)
          .groupBy(['minute_start_ms', 'operation', 'outcome'])
          .orderBy('minute_start_ms')
          .orderBy('operation')
          .orderBy('outcome'),
      )
      return rows.map((r) => ({
        minuteStartMs: Number(r.minute_start_ms),
        operation: r.operation,
        outcome: r.outcome,
        calls: Number(r.calls),
      }))
    },
    deleteAuditEventsBefore: (timeMs: number) => x.write(db.deleteFrom('audit_events').where('time_ms', '<', timeMs)),

    async loadControl(name: string): Promise<unknown> {
      const row = await first<ControlStateRow>(db.selectFrom('control_state').selectAll().where('name', '=', name))
      return row ? JSON.parse(row.document) : undefined
    },
    async insertControlIfAbsent(name: string, document: unknown, atMs: number): Promise<void> {
      await x.write(
        db
          .insertInto('control_state')
          .values({ name, document: JSON.stringify(document), updated_at_ms: atMs })
          .onConflict((oc) => oc.doNothing()),
      )
    },
    async saveControl(name: string, document: unknown, atMs: number): Promise<void> {
      const text = JSON.stringify(document)
      await x.write(
        db
          .insertInto('control_state')
          .values({ name, document: text, updated_at_ms: atMs })
          .onConflict((oc) => oc.column('name').doUpdateSet({ document: text, updated_at_ms: atMs })),
      )
    },

    listFaultRules: async () =>
      (await x.rows<FaultRuleRow>(db.selectFrom('fault_rules').selectAll().orderBy('created_at_ms').orderBy('id'))).map((r) => ({
        id: r.id,
        document: JSON.parse(r.document) as unknown,
        remaining: r.remaining === null ? undefined : Number(r.remaining),
        createdAtMs: Number(r.created_at_ms),
      })),
    async insertFaultRule(id: string, document: unknown, remaining: number | undefined, atMs: number): Promise<void> {
      await x.write(
        db.insertInto('fault_rules').values({ id, document: JSON.stringify(document), remaining: remaining ?? null, created_at_ms: atMs }),
      )
    },
    deleteFaultRule: async (id: string) => (await x.write(db.deleteFrom('fault_rules').where('id', '=', id))) > 0,
    deleteAllFaultRules: () => x.write(db.deleteFrom('fault_rules')),
    /** Takes one of a counted rule's remaining uses; false when none is left. */
    consumeFaultRule: async (id: string) =>
      (await x.write(
        db
          .updateTable('fault_rules')
          .set((eb) => ({ remaining: eb('remaining', '-', 1) }))
          .where('id', '=', id)
          .where('remaining', '>', 0),
      )) > 0,

    findQuotaBucket: (bucket: string) => first<QuotaBucketRow>(db.selectFrom('quota_buckets').selectAll().where('bucket', '=', bucket)),
    insertQuotaBucketIfAbsent: async (bucket: string, tokens: number, atMs: number) =>
      (await x.write(
        db
          .insertInto('quota_buckets')
          .values({ bucket, tokens, updated_ms: atMs, version: 1 })
          .onConflict((oc) => oc.doNothing()),
      )) > 0,
    /** Compare-and-set on the row version, so concurrent nodes never both spend the same token. */
    updateQuotaBucket: async (bucket: string, tokens: number, atMs: number, version: number) =>
      (await x.write(
        db
          .updateTable('quota_buckets')
          .set({ tokens, updated_ms: atMs, version: version + 1 })
          .where('bucket', '=', bucket)
          .where('version', '=', version),
      )) > 0,

    listTargetStates: async () =>
      (await x.rows<NotificationTargetRow>(db.selectFrom('notification_targets').selectAll().orderBy('target_id'))).map(targetStateFromRow),
    findTargetState: async (column: 'target_id' | 'token' | 'subscription_arn', value: string) => {
      const row = await first<NotificationTargetRow>(db.selectFrom('notification_targets').selectAll().where(column, '=', value))
      return row ? targetStateFromRow(row) : undefined
    },
    insertTargetStateIfAbsent: async (state: TargetState) =>
      (await x.write(
        db
          .insertInto('notification_targets')
          .values({ ...targetStateToRow(state), lease_owner: null, lease_until_ms: null })
          .onConflict((oc) => oc.doNothing()),
      )) > 0,
    /** Replaces a target's subscription when what it was made for changed (compare-and-set on the old fingerprint). */
    replaceTargetState: async (state: TargetState, previousFingerprint: string) => {
      const { target_id: _id, ...fields } = targetStateToRow(state)
      return (
        (await x.write(
          db
            .updateTable('notification_targets')
            .set(fields)
            .where('target_id', '=', state.targetId)
            .where('fingerprint', '=', previousFingerprint),
        )) > 0
      )
    },
    setTargetStatus: async (targetId: string, status: TargetStatus, atMs: number, from: readonly TargetStatus[]) =>
      (await x.write(
        db
          .updateTable('notification_targets')
          .set({ status, updated_at_ms: atMs })
          .where('target_id', '=', targetId)
          .where('status', 'in', [...from]),
      )) > 0,
    /** Takes (or renews) the right to deliver to a target until `untilMs`, unless another node holds it. */
    claimTarget: async (targetId: string, owner: string, nowMs: number, untilMs: number) =>
      (await x.write(
        db
          .updateTable('notification_targets')
          .set({ lease_owner: owner, lease_until_ms: untilMs })
          .where('target_id', '=', targetId)
          .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_until_ms', '<', nowMs)])),
      )) > 0,
    releaseTarget: async (targetId: string, owner: string) => {
      await x.write(
        db
          .updateTable('notification_targets')
          .set({ lease_owner: null, lease_until_ms: null })
          .where('target_id', '=', targetId)
          .where('lease_owner', '=', owner),
      )
    },

    async insertDeliveriesIfAbsent(deliveries: readonly NewDelivery[]): Promise<number> {
      let inserted = 0
      const rows = deliveries.map(deliveryToRow)
      for (let i = 0; i < rows.length; i += INSERT_CHUNK)
        inserted += await x.write(
          db
            .insertInto('notification_deliveries')
            .values(rows.slice(i, i + INSERT_CHUNK))
            .onConflict((oc) => oc.doNothing()),
        )
      return inserted
    },
    /** A target's pending deliveries in the order they go out. */
    pendingDeliveries: async (targetId: string, limit: number) =>
      (
        await x.rows<NotificationDeliveryRow>(
          db
            .selectFrom('notification_deliveries')
            .selectAll()
            .where('target_id', '=', targetId)
            .where('status', '=', 'pending')
            .orderBy('due_at_ms')
            .orderBy('order_version')
            .orderBy('order_position')
            .limit(limit),
        )
      ).map(deliveryFromRow),
    findDelivery: async (deliveryId: string) => {
      const row = await first<NotificationDeliveryRow>(
        db.selectFrom('notification_deliveries').selectAll().where('delivery_id', '=', deliveryId),
      )
      return row ? deliveryFromRow(row) : undefined
    },
    updateDelivery: async (
      deliveryId: string,
      fields: {
        status: DeliveryStatus
        attempts: number
        nextAttemptAtMs: number
        lastStatusCode?: number | null
        lastError?: string | null
        deliveredAtMs?: number | null
      },
    ) =>
      (await x.write(
        db
          .updateTable('notification_deliveries')
          .set({
            status: fields.status,
            attempts: fields.attempts,
            next_attempt_at_ms: fields.nextAttemptAtMs,
            ...(fields.lastStatusCode !== undefined ? { last_status_code: fields.lastStatusCode } : {}),
            ...(fields.lastError !== undefined ? { last_error: fields.lastError } : {}),
            ...(fields.deliveredAtMs !== undefined ? { delivered_at_ms: fields.deliveredAtMs } : {}),
          })
          .where('delivery_id', '=', deliveryId),
      )) > 0,
    async insertAttempt(attempt: DeliveryAttempt): Promise<void> {
      await x.write(
        db
          .insertInto('notification_attempts')
          .values({
            delivery_id: attempt.deliveryId,
            attempt: attempt.attempt,
            at_ms: attempt.atMs,
            duration_ms: attempt.durationMs,
            status_code: attempt.statusCode ?? null,
            error: attempt.error ?? null,
          })
          .onConflict((oc) => oc.doNothing()),
      )
    },
    async listDeliveries(filter: DeliveryQuery, after: string | undefined, limit: number): Promise<Delivery[]> {
      let q = db.selectFrom('notification_deliveries').selectAll()
      if (filter.targetId !== undefined) q = q.where('target_id', '=', filter.targetId)
      if (filter.status !== undefined) q = q.where('status', '=', filter.status)
      if (filter.events) {
        if (filter.events.length === 0) return []
        const events = filter.events
        q = q.where((eb) =>
          eb.or(events.map((e) => eb.and([eb('event_world_version', '=', e.worldVersion), eb('event_position', '=', e.position)]))),
        )
      }
      if (after !== undefined) q = q.where('delivery_id', '>', after)
      return (await x.rows<NotificationDeliveryRow>(q.orderBy('delivery_id').limit(limit))).map(deliveryFromRow)
    },
    async listAttempts(deliveryIds: readonly string[]): Promise<DeliveryAttempt[]> {
      if (deliveryIds.length === 0) return []
      const rows = await x.rows<NotificationAttemptRow>(
        db
          .selectFrom('notification_attempts')
          .selectAll()
          .where('delivery_id', 'in', [...deliveryIds])
          .orderBy('delivery_id')
          .orderBy('attempt'),
      )
      return rows.map(attemptFromRow)
    },

    async countRegistrationCall(key: string, atMs: number): Promise<void> {
      await x.write(
        db
          .updateTable('registrations')
          .set((eb) => ({ last_call_ms: atMs, call_count: eb('call_count', '+', 1) }))
          .where('registration_key', '=', key),
      )
    },
  }
}

export type LedgerStatements = ReturnType<typeof ledgerStatements>
