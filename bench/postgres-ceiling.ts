import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { batchSlotKey } from '../src/domain/usage-record.js'
import { openLedger } from '../src/ledger/open-ledger.js'
import { usageRecordToRow } from '../src/ledger/sql/rows.js'
import type { UsageRecordRow } from '../src/ledger/sql/schema.js'
import { USAGE_COLUMN_TYPES } from '../src/ledger/sql/statements.js'
import { newId } from '../src/shared/ids.js'
import { PG_URL, positiveEnv, schemaUrl } from './settings.js'

/**
 * `npm run bench:pg-ceiling`: how many usage rows this PostgreSQL takes per second at all, with no
 * meterd in the way: meterd's own schema (its migrations), rows shaped as BatchMeterUsage writes
 * them, inserted with the statement meterd uses (unnest() over column arrays, ON CONFLICT DO
 * NOTHING RETURNING), 500 rows per transaction, synchronous_commit on, from several connections.
 * meterd on PostgreSQL cannot record faster than this; compare it with `npm run bench`.
 *
 * Env: BENCH_PG (default postgres://postgres@127.0.0.1:5432/test), BENCH_SECONDS (6), BENCH_CONNECTIONS (4).
 */
const SECONDS = positiveEnv('BENCH_SECONDS', 6)
const CONNECTIONS = positiveEnv('BENCH_CONNECTIONS', 4)
const ROWS = 500
const COLUMNS = Object.entries(USAGE_COLUMN_TYPES) as [keyof UsageRecordRow, string][]
const INSERT = `INSERT INTO usage_records (${COLUMNS.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')}) ON CONFLICT DO NOTHING RETURNING metering_record_id`

const schema = `meterd_ceiling_${process.pid}`
const url = schemaUrl(schema)
const admin = new pg.Client({ connectionString: PG_URL })
await admin.connect()
await admin.query(`CREATE SCHEMA ${schema}`)
try {
  await (await openLedger({ kind: 'postgres', url })).close() // applies meterd's migrations
  const hourMs = Math.floor(Date.now() / 3_600_000) * 3_600_000
  let next = 0
  // Rows as BatchMeterUsage writes them, through meterd's own mapping.
  const batch = () => {
    const rows = Array.from({ length: ROWS }, () => {
      const n = next++
      const customer = `bench-customer-${n}`
      return usageRecordToRow({
        meteringRecordId: newId(), dedupKey: batchSlotKey('demo-saas', `customer:${customer}`, 'users', hourMs), operation: 'BatchMeterUsage',
        status: 'Success', productCode: 'demo-saas', dimension: 'users', quantity: 3, timestampMs: hourMs + 1000, hourMs,
        customerIdentifier: customer, callerAccountId: '111111111111', callerAccessKeyId: 'AKIAMETERDSELLER0001',
        requestId: `request-${Math.floor(n / 25)}`, receivedAtMs: Date.now(),
      })
    })
    return COLUMNS.map(([column]) => rows.map((row) => row[column]))
  }
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    return client
  }))
  const started = performance.now()
  let rows = 0
  await Promise.all(clients.map(async (client) => {
    while (performance.now() - started < SECONDS * 1000) {
      await client.query('BEGIN; SET LOCAL synchronous_commit TO on')
      const inserted = (await client.query(INSERT, batch())).rowCount ?? 0 // not `rows += await`: that reads rows before the await
      rows += inserted
      await client.query('COMMIT')
    }
  }))
  const perSecond = rows / ((performance.now() - started) / 1000)
  console.log(`PostgreSQL alone: ${Math.round(perSecond).toLocaleString('en-US')} usage rows/s (${CONNECTIONS} connections, ${ROWS} rows per transaction, synchronous_commit on, meterd's schema, no HTTP)`)
  for (const client of clients) await client.end()
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`)
  await admin.end()
}
