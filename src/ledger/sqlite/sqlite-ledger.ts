import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { type Compilable, Kysely, Migrator, SqliteDialect } from 'kysely'
import type { UsageRecord } from '../../domain/usage-record.js'
import type { Ledger } from '../ledger.js'
import { migrationProvider } from '../sql/migrations.js'
import { applyRecordUsage, type UsageTx } from '../sql/record-usage.js'
import { rowToUsageRecord, usageRecordToRow } from '../sql/rows.js'
import type { ClientTokenRow, LedgerDatabase, UsageRecordRow } from '../sql/schema.js'
import { GroupCommit } from './group-commit.js'

export interface SqliteLedgerOptions {
  /** Folder holding `meterd.sqlite` (created if missing). */
  dataDir: string
}

/**
 * The embedded ledger: one better-sqlite3 connection in WAL mode with synchronous=FULL, so a
 * commit is on disk before anyone is told. Concurrent requests share commits (GroupCommit).
 * Queries are built with Kysely and run synchronously on prepared statements.
 */
export async function createSqliteLedger(options: SqliteLedgerOptions): Promise<Ledger> {
  mkdirSync(options.dataDir, { recursive: true })
  const sqlite = new Database(join(options.dataDir, 'meterd.sqlite'))
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('busy_timeout = 5000')
  const db = new Kysely<LedgerDatabase>({ dialect: new SqliteDialect({ database: sqlite }) })
  await migrate(db)

  const statements = new Map<string, Database.Statement>()
  const prepared = (query: Compilable) => {
    const { sql, parameters } = query.compile()
    let statement = statements.get(sql)
    if (!statement) statements.set(sql, (statement = sqlite.prepare(sql)))
    return { statement, parameters: parameters as unknown[] }
  }
  const run = (query: Compilable) => {
    const { statement, parameters } = prepared(query)
    return statement.run(...parameters).changes
  }
  const first = <T>(query: Compilable) => {
    const { statement, parameters } = prepared(query)
    return statement.get(...parameters) as T | undefined
  }

  const tx: UsageTx = {
    insertUsageIfAbsent: async (record) => run(
      db.insertInto('usage_records').values(usageRecordToRow(record)).onConflict((oc) => oc.doNothing()),
    ) > 0,
    findUsageByKey: async (key) => toRecord(first(db.selectFrom('usage_records').selectAll().where('dedup_key', '=', key))),
    findUsageById: async (id) => toRecord(first(db.selectFrom('usage_records').selectAll().where('metering_record_id', '=', id))),
    insertClientTokenIfAbsent: async (row) => run(db.insertInto('client_tokens').values(row).onConflict((oc) => oc.doNothing())) > 0,
    findClientToken: async (account, token) => first<ClientTokenRow>(
      db.selectFrom('client_tokens').selectAll().where('caller_account_id', '=', account).where('client_token', '=', token),
    ),
    pointClientToken: async (account, token, id) => {
      run(db.updateTable('client_tokens').set({ metering_record_id: id })
        .where('caller_account_id', '=', account).where('client_token', '=', token))
    },
  }

  const commits = new GroupCommit(sqlite)
  return {
    recordUsage: (commands, isReplay) => commits.submit(() => applyRecordUsage(tx, commands, isReplay)),
    findRecord: (id) => commits.submit(() => tx.findUsageById(id)),
    countRecords: () => commits.submit(async () =>
      Number(first<{ n: number }>(db.selectFrom('usage_records').select((eb) => eb.fn.countAll<number>().as('n')))?.n ?? 0)),
    async close() {
      await commits.drain()
      sqlite.close()
    },
  }
}

const toRecord = (row: UsageRecordRow | undefined): UsageRecord | undefined => (row ? rowToUsageRecord(row) : undefined)

async function migrate(db: Kysely<LedgerDatabase>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new Error(`ledger migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`)
  }
}
