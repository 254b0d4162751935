import { performance } from 'node:perf_hooks'
import pg from 'pg'
import { openLedger } from '../src/ledger/open-ledger.js'

/**
 * `npm run bench:pg-ceiling`: how many usage rows this PostgreSQL takes per second at all, with no
 * meterd in the way: meterd's own schema (its migrations), rows shaped as BatchMeterUsage writes
 * them, inserted with the statement meterd uses (unnest() over column arrays, ON CONFLICT DO
 * NOTHING RETURNING), 500 rows per transaction, synchronous_commit on, from several connections.
 * meterd on PostgreSQL cannot record faster than this; compare it with `npm run bench`.
 *
 * Env: BENCH_PG (default postgres://postgres@127.0.0.1:5432/test), BENCH_SECONDS (6), BENCH_CONNECTIONS (4).
 */
const PG_URL = process.env.BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const SECONDS = Number(process.env.BENCH_SECONDS ?? 6)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 4)
const ROWS = 500
const COLUMNS: [string, string][] = [
  ['metering_record_id', 'text'], ['dedup_key', 'text'], ['operation', 'text'], ['status', 'text'], ['product_code', 'text'],
  ['dimension', 'text'], ['quantity', 'int8'], ['timestamp_ms', 'int8'], ['hour_ms', 'int8'], ['customer_identifier', 'text'],
  ['customer_account_id', 'text'], ['license_arn', 'text'], ['resource_id', 'text'], ['allocations', 'text'],
  ['caller_account_id', 'text'], ['caller_access_key_id', 'text'], ['request_id', 'text'], ['received_at_ms', 'int8'],
]
const INSERT = `INSERT INTO usage_records (${COLUMNS.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${COLUMNS.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')}) ON CONFLICT DO NOTHING RETURNING metering_record_id`

const schema = `meterd_ceiling_${process.pid}`
const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
const admin = new pg.Client({ connectionString: PG_URL })
await admin.connect()
await admin.query(`CREATE SCHEMA ${schema}`)
try {
  await (await openLedger({ kind: 'postgres', url })).close() // applies meterd's migrations
  const hourMs = Math.floor(Date.now() / 3_600_000) * 3_600_000
  let next = 0
  const batch = () => {
    const columns: unknown[][] = COLUMNS.map(() => [])
    for (let k = 0; k < ROWS; k++) {
      const n = next++
      const customer = `bench-customer-${n}`
      const row = [`00000000-0000-7000-8000-${String(n).padStart(12, '0')}`, JSON.stringify([hourMs, 'B', 'demo-saas', `customer:${customer}`, 'users']),
        'BatchMeterUsage', 'Success', 'demo-saas', 'users', 3, hourMs + 1000, hourMs, customer, null, null, null, null,
        '111111111111', 'AKIAMETERDSELLER0001', `request-${Math.floor(n / 25)}`, Date.now()]
      row.forEach((value, c) => columns[c]!.push(value))
    }
    return columns
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
