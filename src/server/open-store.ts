import type { Ledger } from '../ledger/ledger.js'
import type { StoreLocation } from '../ledger/store.js'
import { createPostgresLedger } from '../ledger/postgres/postgres-ledger.js'
import { createThreadedSqliteLedger } from '../ledger/sqlite/sqlite-thread.js'

export { LATEST_MIGRATION } from '../ledger/sql/migrations.js'

/** Opens (and migrates) the ledger at `store`: the only place that picks a store implementation. */
export function openLedger(store: StoreLocation, onCommit?: (jobs: number) => void): Promise<Ledger> {
  return store.kind === 'postgres'
    ? createPostgresLedger({ connectionString: store.url, ...(onCommit ? { onCommit } : {}) })
    : createThreadedSqliteLedger({ dataDir: store.dataDir, ...(onCommit ? { onCommit } : {}) })
}
