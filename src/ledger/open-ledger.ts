import type { Ledger } from './ledger.js'
import { createPostgresLedger } from './postgres/postgres-ledger.js'
import { createThreadedSqliteLedger } from './sqlite/sqlite-thread.js'

/** Where the ledger lives: the embedded SQLite file in the data folder, or a PostgreSQL database. */
export type StoreLocation = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string }

/** Opens (and migrates) the ledger at `store`. */
export function openLedger(store: StoreLocation, onCommit?: (jobs: number) => void): Promise<Ledger> {
  return store.kind === 'postgres'
    ? createPostgresLedger({ connectionString: store.url, ...(onCommit ? { onCommit } : {}) })
    : createThreadedSqliteLedger({ dataDir: store.dataDir, ...(onCommit ? { onCommit } : {}) })
}

export const describeStore = (store: StoreLocation) =>
  store.kind === 'postgres' ? `PostgreSQL ${store.url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')}` : `SQLite in ${store.dataDir}`
