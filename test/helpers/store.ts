import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { StoreLocation } from '../../src/ledger/open-ledger.js'

/**
 * The store every test runs against: `METERD_TEST_STORE=postgres` runs the whole suite on
 * PostgreSQL (each server gets a schema of its own in METERD_TEST_PG, default
 * postgres://postgres@127.0.0.1:5432/test); anything else runs it on SQLite.
 */
export const TEST_STORE = process.env.METERD_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite'
const PG_URL = process.env.METERD_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestStore {
  location: StoreLocation
  /** `--store ...` for a `meterd serve` process, or nothing for SQLite. */
  args: string[]
  drop(): Promise<void>
}

/** A fresh, empty store: a new PostgreSQL schema, or the SQLite file in `dataDir`. */
export async function freshStore(dataDir: string): Promise<TestStore> {
  if (TEST_STORE === 'sqlite') return { location: { kind: 'sqlite', dataDir }, args: [], drop: async () => undefined }
  const schema = `meterd_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE SCHEMA ${schema}`)
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
  return {
    location: { kind: 'postgres', url },
    args: ['--store', url],
    drop: () => adminQuery(`DROP SCHEMA ${schema} CASCADE`),
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
