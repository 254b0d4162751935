import { UserError } from '../shared/errors.js'

/** Where the ledger lives: the embedded SQLite file in the data folder, or a PostgreSQL database. */
export type StoreLocation = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string }

/** The store cannot be opened or used as asked (unreachable, unknown schema, failed migration); the message says why. */
export class StoreError extends UserError {}

/** A URL with its password masked, for messages and logs. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@')

export const describeStore = (store: StoreLocation): string =>
  store.kind === 'postgres' ? `PostgreSQL ${redactUrl(store.url)}` : `SQLite in ${store.dataDir}`
