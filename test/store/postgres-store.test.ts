import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import pg from 'pg'
import { runCli } from '../helpers/cli.js'
import { openLedger } from '../../src/server/open-store.js'
import { describeEachStore, freshStore, PG_URL } from '../helpers/store.js'

describeEachStore(
  'start-up errors and migrations',
  () => {
    let dir: string
    let schema: string
    let url: string
    const sql = async (text: string) => {
      const client = new pg.Client({ connectionString: PG_URL })
      await client.connect()
      try {
        return await client.query(text)
      } finally {
        await client.end()
      }
    }

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'meterd-pg-'))
      schema = `meterd_migrate_${process.pid}`
      await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
      url = `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
    })
    after(async () => {
      await sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      rmSync(dir, { recursive: true, force: true })
    })

    it('meterd migrate applies every migration and says so', async () => {
      const run = await runCli(['migrate', '--store', url])
      assert.equal(run.code, 0, run.stderr)
      assert.equal(run.stdout.trim(), `ledger schema is up to date (0008_notifications) in PostgreSQL ${url}`)
      const tables = await sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY table_name`)
      assert.deepEqual(
        tables.rows.map((r) => r.table_name),
        [
          'audit_events',
          'client_tokens',
          'control_state',
          'fault_rules',
          'kysely_migration',
          'kysely_migration_lock',
          'lifecycle_events',
          'notification_attempts',
          'notification_deliveries',
          'notification_targets',
          'quota_buckets',
          'registration_tokens',
          'registrations',
          'signing_keys',
          'usage_records',
          'usage_tags',
          'world_state',
        ],
      )
      const again = await runCli(['migrate', '--store', url])
      assert.equal(again.code, 0, again.stderr)
    })

    it('refuses a database whose schema is at a version it does not know', async () => {
      await sql(`INSERT INTO ${schema}.kysely_migration (name, timestamp) VALUES ('9999_from_the_future', '2030-01-01T00:00:00Z')`)
      const run = await runCli(['serve', '--port', '0', '--store', url, '--data', dir])
      assert.equal(run.code, 1)
      assert.match(
        run.stderr,
        /^meterd: the database schema is at a version this meterd does not know \(.*9999_from_the_future.*\); run a newer meterd or point --store at another database/,
      )
      await sql(`DELETE FROM ${schema}.kysely_migration WHERE name = '9999_from_the_future'`)
    })

    it('says clearly when the database cannot be reached, and hides the password', async () => {
      const run = await runCli(['serve', '--port', '0', '--store', 'postgres://meterd:s3cret@127.0.0.1:1/nowhere', '--data', dir])
      assert.equal(run.code, 1)
      assert.match(
        run.stderr,
        /^meterd: cannot reach PostgreSQL at postgres:\/\/meterd:\*\*\*@127\.0\.0\.1:1\/nowhere: connect ECONNREFUSED 127\.0\.0\.1:1/,
      )
      assert.doesNotMatch(run.stderr, /s3cret/)
    })

    it('says so when the URL selects a schema that does not exist', async () => {
      const missing = `${PG_URL}?options=${encodeURIComponent('-c search_path=meterd_no_such_schema')}`
      const run = await runCli(['migrate', '--store', missing])
      assert.equal(run.code, 1)
      assert.equal(run.stderr.trim(), `meterd: the database at ${missing} has no schema on its search_path to keep the ledger in`)
    })

    it('migrates in its own schema while others create and drop schemas in the same database', async () => {
      // Kysely's own introspection reads every schema and fails on one dropped under it: three
      // neighbours keep creating schemas (each committed, with a table) and dropping them again.
      let churning = true
      const churn = Promise.all(
        [0, 1, 2].map(async (k) => {
          for (let i = 0; churning; i++) {
            const other = `meterd_churn_${process.pid}_${k}_${i}`
            await sql(`CREATE SCHEMA ${other}; CREATE TABLE ${other}.t (a int, b int, c int)`)
            await sql(`DROP SCHEMA ${other} CASCADE`)
          }
        }),
      )
      try {
        for (let i = 0; i < 12; i++) {
          const fresh = await freshStore(dir, 'postgres')
          try {
            const ledger = await openLedger(fresh.location)
            await ledger.close()
          } finally {
            await fresh.drop()
          }
        }
      } finally {
        churning = false
        await churn
      }
    })

    it('refuses a store that is neither sqlite nor a postgres URL', async () => {
      const run = await runCli(['serve', '--store', 'mysql://x', '--data', dir])
      assert.equal(run.code, 1)
      assert.equal(run.stderr.trim(), "meterd: store must be 'sqlite' or a postgres:// URL, got 'mysql://x'")
      const workers = await runCli(['serve', '--workers', '0', '--data', dir])
      assert.equal(workers.stderr.trim(), "meterd: workers must be an integer from 1 to 64, got '0'")
    })
  },
  { only: 'postgres' },
)
