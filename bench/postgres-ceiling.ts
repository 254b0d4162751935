import { performance } from 'node:perf_hooks'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { batchSlotKey, type UsageRecord } from '../src/domain/usage-record.js'
import { openLedger } from '../src/server/open-store.js'
import type { LedgerDatabase } from '../src/ledger/sql/schema.js'
import { ledgerStatements } from '../src/ledger/sql/statements.js'
import { newId } from '../src/shared/ids.js'
import { PG_URL, positiveEnv, schemaUrl } from './settings.js'

/**
 * `npm run bench:pg-ceiling`: how many usage rows this PostgreSQL takes per second at all, with no
 * meterd in the way: meterd's own schema (its migrations), rows shaped as BatchMeterUsage writes
 * them, inserted by meterd's own statement (insertUsageIfAbsent: unnest() over column arrays,
 * ON CONFLICT DO NOTHING RETURNING), 500 rows per transaction, synchronous_commit on, from several connections.
 * meterd on PostgreSQL cannot record faster than this; compare it with `npm run bench`.
 *
 * Env: BENCH_PG (default postgres://postgres@127.0.0.1:5432/test), BENCH_SECONDS (6), BENCH_CONNECTIONS (4).
 */
const SECONDS = positiveEnv('BENCH_SECONDS', 6)
const CONNECTIONS = positiveEnv('BENCH_CONNECTIONS', 4)
const ROWS = 500

const schema = `meterd_ceiling_${process.pid}`
const url = schemaUrl(schema)
const admin = new pg.Client({ connectionString: PG_URL })
await admin.connect()
await admin.query(`CREATE SCHEMA ${schema}`)
try {
  await (await openLedger({ kind: 'postgres', url })).close() // applies meterd's migrations
  const hourMs = Math.floor(Date.now() / 3_600_000) * 3_600_000
  let next = 0
  // Records as BatchMeterUsage writes them.
  const batch = (): UsageRecord[] =>
    Array.from({ length: ROWS }, () => {
      const n = next++
      const customer = `bench-customer-${n}`
      return {
        meteringRecordId: newId(),
        dedupKey: batchSlotKey('demo-saas', `customer:${customer}`, 'users', hourMs),
        operation: 'BatchMeterUsage',
        status: 'Success',
        productCode: 'demo-saas',
        dimension: 'users',
        quantity: 3,
        timestampMs: hourMs + 1000,
        hourMs,
        customerIdentifier: customer,
        callerAccountId: '111111111111',
        callerAccessKeyId: 'AKIAMETERDSELLER0001',
        requestId: `request-${Math.floor(n / 25)}`,
        receivedAtMs: Date.now(),
      }
    })
  // Kysely only compiles meterd's statements here (its pool never connects); each client runs them.
  const compiler = new Kysely<LedgerDatabase>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url }) }) })
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      const run = async (query: { compile(): { sql: string; parameters: readonly unknown[] } }) => {
        const { sql, parameters } = query.compile()
        return client.query(sql, parameters as unknown[])
      }
      const statements = ledgerStatements(
        compiler,
        {
          write: async (query) => (await run(query)).rowCount ?? 0,
          rows: async (query) => (await run(query)).rows,
        },
        'postgres',
      )
      return { client, statements }
    }),
  )
  const started = performance.now()
  let rows = 0
  await Promise.all(
    clients.map(async ({ client, statements }) => {
      while (performance.now() - started < SECONDS * 1000) {
        await client.query('BEGIN; SET LOCAL synchronous_commit TO on')
        const inserted = (await statements.insertUsageIfAbsent(batch())).size // not `rows += await`: that reads rows before the await
        rows += inserted
        await client.query('COMMIT')
      }
    }),
  )
  const perSecond = rows / ((performance.now() - started) / 1000)
  console.log(
    `PostgreSQL alone: ${Math.round(perSecond).toLocaleString('en-US')} usage rows/s (${CONNECTIONS} connections, ${ROWS} rows per transaction, synchronous_commit on, meterd's schema, no HTTP)`,
  )
  for (const { client } of clients) await client.end()
  await compiler.destroy()
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`)
  await admin.end()
}
