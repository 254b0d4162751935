import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import pg from 'pg'
import type { StoreLocation } from '../../src/ledger/store.js'

export type StoreKind = 'sqlite' | 'postgres'

/**
 * The store the surface suites (wire, admin, CLI, conformance) run on: SQLite unless
 * METERD_TEST_STORE=postgres (`npm run test:postgres` runs the whole suite that way).
 */
export const TEST_STORE: StoreKind = process.env.METERD_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite'

/**
 * The stores the store-dependent suites (ledger contract, upgrades, several nodes, PostgreSQL
 * smoke tests) loop over: METERD_TEST_STORES, a comma list, default both.
 */
export const TEST_STORES: readonly StoreKind[] = (process.env.METERD_TEST_STORES ?? 'sqlite,postgres')
  .split(',')
  .map((s) => s.trim())
  .filter((s): s is StoreKind => s === 'sqlite' || s === 'postgres')

export const PG_URL = process.env.METERD_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test'
const CI = process.env.CI === 'true'

export interface TestStore {
  location: StoreLocation
  /** `--store ...` for a `meterd serve` process, or nothing for SQLite. */
  args: string[]
  drop(): Promise<void>
}

/** A fresh, empty store: a new PostgreSQL schema in METERD_TEST_PG, or the SQLite file in `dataDir`. */
export async function freshStore(dataDir: string, kind: StoreKind = TEST_STORE): Promise<TestStore> {
  if (kind === 'sqlite') return { location: { kind: 'sqlite', dataDir }, args: [], drop: () => Promise.resolve() }
  const schema = `meterd_test_${randomBytes(6).toString('hex')}`
  await adminQuery(`CREATE SCHEMA ${schema}`)
  const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
  return {
    location: { kind: 'postgres', url },
    args: ['--store', url],
    drop: async () => void (await adminQuery(`DROP SCHEMA ${schema} CASCADE`)),
  }
}

export async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Why PostgreSQL cannot be used for tests here, or undefined when it can. */
export async function postgresProblem(): Promise<string | undefined> {
  try {
    await adminQuery('SELECT 1')
    return undefined
  } catch (error) {
    return `PostgreSQL at ${PG_URL} cannot be reached (${(error as Error).message}); start it or set METERD_TEST_PG`
  }
}

const pgProblem = TEST_STORES.includes('postgres') ? await postgresProblem() : undefined

/**
 * One describe block per store of TEST_STORES. A PostgreSQL that cannot be reached skips its
 * block loudly; under CI=true it fails the run instead, so no store is left unchecked there.
 */
export function describeEachStore(name: string, body: (kind: StoreKind) => void, options: { only?: StoreKind } = {}): void {
  for (const kind of TEST_STORES) {
    if (options.only && kind !== options.only) continue
    const title = `${kind}: ${name}`
    if (kind === 'postgres' && pgProblem) {
      console.error(`\n!!! ${title}: ${CI ? 'FAILED' : 'SKIPPED'}: ${pgProblem}\n`)
      if (CI) it(title, () => assert.fail(`${pgProblem}. With CI=true the PostgreSQL suites may not be skipped.`))
      else describe(title, { skip: pgProblem }, () => undefined)
      continue
    }
    describe(title, () => body(kind))
  }
}
