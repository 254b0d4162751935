import { type Compilable, Kysely, Migrator } from 'kysely'
import pg from 'pg'
import type { Ledger } from '../ledger.js'
import { redactUrl, StoreError } from '../store.js'
import { SchemaScopedPostgresDialect } from './schema-scoped-dialect.js'
import { migrationProvider } from '../sql/migrations.js'
import type { LedgerDatabase } from '../sql/schema.js'
import { createSqlLedger, recordUsage } from '../sql/sql-ledger.js'
import { ledgerStatements, type SqlExecutor } from '../sql/statements.js'
import { createUsageBatcher } from '../sql/usage-batcher.js'

export interface PostgresLedgerOptions {
  /** postgres://user@host:port/database */
  connectionString: string
  /** Connections in the pool (default 10). */
  poolSize?: number
  onCommit?: (jobs: number) => void
}

// 40001 serialization_failure, 40P01 deadlock_detected: the transaction may simply be run again.
const RETRYABLE = new Set(['40001', '40P01'])
const MAX_ATTEMPTS = 5

/**
 * The shared ledger for several stateless meterd nodes. Every transaction commits with
 * synchronous_commit=on before anything is acknowledged; concurrent requests' usage writes are
 * merged into shared transactions (the usage batcher), and PostgreSQL's own group commit shares
 * the WAL flushes of concurrent transactions.
 */
export async function createPostgresLedger(options: PostgresLedgerOptions): Promise<Ledger> {
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 })
  pool.on('error', () => undefined) // an idle client died; the pool replaces it
  try {
    await pool.query('SELECT 1')
  } catch (error) {
    await pool.end()
    throw new StoreError(`cannot reach PostgreSQL at ${redactUrl(options.connectionString)}: ${(error as Error).message}`)
  }
  let db: Kysely<LedgerDatabase>
  try {
    // Migration bookkeeping lives in the schema the URL selects (search_path), not in whichever
    // schema of the database happens to hold a kysely_migration table already.
    const { rows } = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema')
    const schema = rows[0]?.schema
    if (!schema)
      throw new StoreError(`the database at ${redactUrl(options.connectionString)} has no schema on its search_path to keep the ledger in`)
    db = new Kysely<LedgerDatabase>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) })
    try {
      await migrate(db, schema)
    } catch (error) {
      await db.destroy()
      throw error
    }
  } catch (error) {
    await pool.end().catch(() => undefined)
    throw error
  }

  const inTransaction = async <T>(work: (s: ReturnType<typeof ledgerStatements>) => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const client = await pool.connect()
      try {
        const executor: SqlExecutor = {
          write: async (query: Compilable) => {
            const { sql, parameters } = query.compile()
            return (await client.query(sql, parameters as unknown[])).rowCount ?? 0
          },
          rows: async <R>(query: Compilable) => {
            const { sql, parameters } = query.compile()
            return (await client.query(sql, parameters as unknown[])).rows as R[]
          },
        }
        // Durability must not depend on how the server happens to be configured; one round trip.
        await client.query('BEGIN; SET LOCAL synchronous_commit TO on')
        const result = await work(ledgerStatements(db, executor, 'postgres'))
        await client.query('COMMIT')
        client.release()
        return result
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined)
        client.release()
        if (attempt < MAX_ATTEMPTS && RETRYABLE.has((error as { code?: string }).code ?? '')) continue
        throw error
      }
    }
  }

  const ledger = createSqlLedger(inTransaction, async () => {
    await db.destroy()
  })
  // Each merged usage write is one transaction: its request count is the commit's group size.
  // Groups of at most 500 records keep several backends busy at once; one large group left
  // PostgreSQL working on one core while the next group waited.
  const batched = createUsageBatcher((commands, isReplay) => inTransaction((s) => recordUsage(s, commands, isReplay)), {
    maxInFlight: Math.max(2, (options.poolSize ?? 10) - 2),
    maxRecords: 500,
    ...(options.onCommit ? { onWrite: options.onCommit } : {}),
  })
  return { ...ledger, recordUsage: batched }
}

async function migrate(db: Kysely<LedgerDatabase>, schema: string): Promise<void> {
  const { error, results } = await new Migrator({ db, provider: migrationProvider, migrationTableSchema: schema }).migrateToLatest()
  if (!error) return
  const message = error instanceof Error ? error.message : JSON.stringify(error)
  if (/corrupted migrations|missing/i.test(message)) {
    throw new StoreError(
      `the database schema is at a version this meterd does not know (${message}); run a newer meterd or point --store at another database`,
    )
  }
  const failed = results?.find((r) => r.status === 'Error')?.migrationName
  throw new StoreError(`ledger migration ${failed ?? ''} failed: ${message}`)
}
