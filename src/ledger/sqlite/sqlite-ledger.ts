import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { type Compilable, Kysely, Migrator, SqliteDialect } from 'kysely'
import type { Ledger } from '../ledger.js'
import { StoreError } from '../store.js'
import { migrationProvider } from '../sql/migrations.js'
import type { LedgerDatabase } from '../sql/schema.js'
import { createSqlLedger, recordUsage, type TransactionRunner } from '../sql/sql-ledger.js'
import { createUsageBatcher } from '../sql/usage-batcher.js'
import { ledgerStatements, type SqlExecutor } from '../sql/statements.js'
import { GroupCommit } from './group-commit.js'

export interface SqliteLedgerOptions {
  /** Folder holding `meterd.sqlite` (created if missing). */
  dataDir: string
  /** Told how many jobs shared each commit (metrics). */
  onCommit?: (jobs: number) => void
}

/**
 * The embedded ledger: one better-sqlite3 connection in WAL mode with synchronous=FULL, so a
 * commit is on disk before anyone is told. Concurrent requests share commits (GroupCommit).
 * Queries are built with Kysely and run synchronously on cached prepared statements.
 */
export async function createSqliteLedger(options: SqliteLedgerOptions): Promise<Ledger> {
  mkdirSync(options.dataDir, { recursive: true })
  const sqlite = new Database(join(options.dataDir, 'meterd.sqlite'))
  sqlite.pragma('journal_mode = WAL')
  sqlite.pragma('synchronous = FULL')
  sqlite.pragma('busy_timeout = 5000')
  // Statement and savepoint journals in memory: with usage spread over many customers nearly every
  // insert dirties a page of its own, and each such page was first copied to a temporary file.
  sqlite.pragma('temp_store = MEMORY')
  // Checkpoints run inside a COMMIT and block the event loop; fewer, larger ones cost less.
  sqlite.pragma('wal_autocheckpoint = 10000')
  const db = new Kysely<LedgerDatabase>({ dialect: new SqliteDialect({ database: sqlite }) })
  await migrate(db)

  const cache = new Map<string, Database.Statement>()
  const prepare = (query: Compilable) => {
    const { sql, parameters } = query.compile()
    let statement = cache.get(sql)
    if (!statement) cache.set(sql, (statement = sqlite.prepare(sql)))
    return { statement, parameters: parameters as unknown[] }
  }
  const executor: SqlExecutor = {
    write: async (query) => {
      const { statement, parameters } = prepare(query)
      return statement.run(...parameters).changes
    },
    rows: async <T>(query: Compilable) => {
      const { statement, parameters } = prepare(query)
      return statement.all(...parameters) as T[]
    },
  }
  const statements = ledgerStatements(db, executor, 'sqlite')
  const commits = new GroupCommit(sqlite, options.onCommit)
  const inTransaction: TransactionRunner = (work) => commits.submit(() => work(statements))
  const ledger = createSqlLedger(inTransaction, async () => {
    await commits.drain()
    sqlite.close()
  })
  // Merging concurrent requests' records into one set-wise write saves statements, not commits:
  // GroupCommit already shares those.
  const batched = createUsageBatcher((commands, isReplay) => inTransaction((s) => recordUsage(s, commands, isReplay)), {
    maxInFlight: 2,
    maxRecords: 2000,
  })
  return { ...ledger, recordUsage: batched }
}

async function migrate(db: Kysely<LedgerDatabase>): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest()
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    throw new StoreError(`ledger migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`)
  }
}
