import type { Compilable, Kysely } from 'kysely'
import type { WorldInput } from '../../catalog/world.js'
import type { Registration, RegistrationToken, SigningKey } from '../../domain/registration.js'
import type { UsageRecord } from '../../domain/usage-record.js'
import type { NewSigningKey, StoredWorld } from '../ledger.js'
import {
  registrationFromRow, registrationToRow, registrationTokenFromRow, registrationTokenToRow, rowToUsageRecord,
  signingKeyFromRow, usageRecordToRow,
} from './rows.js'
import type { ClientTokenRow, LedgerDatabase, RegistrationRow, RegistrationTokenRow, SigningKeyRow, UsageRecordRow, WorldStateRow } from './schema.js'

/** Runs compiled Kysely queries on a connection that is inside a transaction. */
export interface SqlExecutor {
  /** Runs a write and returns how many rows it changed. */
  write(query: Compilable): Promise<number>
  rows<T>(query: Compilable): Promise<T[]>
}

/**
 * Every statement the ledger needs, written once with Kysely for both SQL stores. Each is one
 * statement with no rules in it; idempotency comes from UNIQUE/PRIMARY keys (insert-if-absent,
 * then re-read), never read-then-insert, so it holds when two nodes race.
 */
export function ledgerStatements(db: Kysely<LedgerDatabase>, x: SqlExecutor) {
  const first = async <T>(query: Compilable) => (await x.rows<T>(query))[0]
  const usage = (row: UsageRecordRow | undefined): UsageRecord | undefined => (row ? rowToUsageRecord(row) : undefined)
  return {
    insertUsageIfAbsent: async (record: UsageRecord) =>
      (await x.write(db.insertInto('usage_records').values(usageRecordToRow(record)).onConflict((oc) => oc.doNothing()))) > 0,
    findUsageByKey: async (dedupKey: string) =>
      usage(await first(db.selectFrom('usage_records').selectAll().where('dedup_key', '=', dedupKey))),
    findUsageById: async (id: string) =>
      usage(await first(db.selectFrom('usage_records').selectAll().where('metering_record_id', '=', id))),
    countUsage: async () =>
      Number((await first<{ n: number | string }>(db.selectFrom('usage_records').select((eb) => eb.fn.countAll().as('n'))))?.n ?? 0),

    insertClientTokenIfAbsent: async (row: ClientTokenRow) =>
      (await x.write(db.insertInto('client_tokens').values(row).onConflict((oc) => oc.doNothing()))) > 0,
    findClientToken: (accountId: string, token: string) => first<ClientTokenRow>(
      db.selectFrom('client_tokens').selectAll().where('caller_account_id', '=', accountId).where('client_token', '=', token)),
    pointClientToken: async (accountId: string, token: string, meteringRecordId: string) => {
      await x.write(db.updateTable('client_tokens').set({ metering_record_id: meteringRecordId })
        .where('caller_account_id', '=', accountId).where('client_token', '=', token))
    },

    async loadWorld(): Promise<StoredWorld | undefined> {
      const row = await first<WorldStateRow>(db.selectFrom('world_state').selectAll().where('id', '=', 1))
      return row ? { version: Number(row.version), document: JSON.parse(row.document) as WorldInput } : undefined
    },
    async saveWorld(expectedVersion: number, document: WorldInput, atMs: number): Promise<boolean> {
      const text = JSON.stringify(document)
      if (expectedVersion === 0) {
        return (await x.write(db.insertInto('world_state')
          .values({ id: 1, version: 1, document: text, updated_at_ms: atMs }).onConflict((oc) => oc.doNothing()))) > 0
      }
      return (await x.write(db.updateTable('world_state')
        .set({ version: expectedVersion + 1, document: text, updated_at_ms: atMs })
        .where('id', '=', 1).where('version', '=', expectedVersion))) > 0
    },

    listSigningKeys: async (): Promise<SigningKey[]> =>
      (await x.rows<SigningKeyRow>(db.selectFrom('signing_keys').selectAll().orderBy('version'))).map(signingKeyFromRow),
    async insertSigningKeyIfAbsent(version: number, key: NewSigningKey): Promise<boolean> {
      return (await x.write(db.insertInto('signing_keys').values({
        version, private_key_pem: key.privateKeyPem, public_key_pem: key.publicKeyPem, created_at_ms: key.createdAtMs, expires_at_ms: null,
      }).onConflict((oc) => oc.doNothing()))) > 0
    },
    async expireSigningKeys(belowVersion: number, atMs: number): Promise<void> {
      await x.write(db.updateTable('signing_keys').set({ expires_at_ms: atMs })
        .where('version', '<', belowVersion).where('expires_at_ms', 'is', null))
    },

    async saveRegistrationToken(token: RegistrationToken): Promise<void> {
      await x.write(db.insertInto('registration_tokens').values(registrationTokenToRow(token)))
    },
    async findRegistrationToken(tokenHash: string): Promise<RegistrationToken | undefined> {
      const row = await first<RegistrationTokenRow>(db.selectFrom('registration_tokens').selectAll().where('token_hash', '=', tokenHash))
      return row ? registrationTokenFromRow(row) : undefined
    },

    async findRegistration(key: string): Promise<Registration | undefined> {
      const row = await first<RegistrationRow>(db.selectFrom('registrations').selectAll().where('registration_key', '=', key))
      return row ? registrationFromRow(row) : undefined
    },
    insertRegistrationIfAbsent: async (registration: Registration) =>
      (await x.write(db.insertInto('registrations').values(registrationToRow(registration)).onConflict((oc) => oc.doNothing()))) > 0,
    async countRegistrationCall(key: string, atMs: number): Promise<void> {
      await x.write(db.updateTable('registrations')
        .set((eb) => ({ last_call_ms: atMs, call_count: eb('call_count', '+', 1) }))
        .where('registration_key', '=', key))
    },
  }
}

export type LedgerStatements = ReturnType<typeof ledgerStatements>
