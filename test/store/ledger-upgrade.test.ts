import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, it } from 'node:test'
import { BatchMeterUsageCommand, type BatchMeterUsageCommandInput, MeterUsageCommand } from '@aws-sdk/client-marketplace-metering'
import Database from 'better-sqlite3'
import pg from 'pg'
import { BUYER, CUSTOMER, errorOf, MID_MONTH_MS, midMonthHourAgo, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { describeEachStore } from '../helpers/store.js'

/**
 * Ledgers written before migration 0006 keyed usage slots with the hour last; 0006 moves it first.
 * This suite turns a ledger back into that earlier shape (keys as meterd up to 0005 wrote them,
 * 0006 not applied), restarts meterd on it, and checks that retries of the requests recorded
 * before the upgrade still find their slots: nothing is recorded twice.
 */
// What a ledger of meterd up to 0005 did not have: migration 0006's rewrite, and the later tables.
const LAST_BEFORE_0006 = '0005'
const LATER_TABLES = ['lifecycle_events', 'notification_targets', 'notification_deliveries', 'notification_attempts']

// The key shapes up to 0005: ["B"|"L"|"M", a, b, dimension, hourMs] and ["D", slotKey, quantity].
function keyAsBefore0006(key: string): string {
  const parts = JSON.parse(key) as (string | number)[]
  if (parts[1] === 'D') return JSON.stringify(['D', keyAsBefore0006(parts[2] as string), parts[3]])
  return JSON.stringify([...parts.slice(1), parts[0]])
}

async function turnBackTo0005(store: TestMeterd['store']): Promise<number> {
  if (store.kind === 'sqlite') {
    const db = new Database(join(store.dataDir, 'meterd.sqlite'))
    try {
      const rows = db.prepare('SELECT metering_record_id, dedup_key FROM usage_records').all() as {
        metering_record_id: string
        dedup_key: string
      }[]
      const update = db.prepare('UPDATE usage_records SET dedup_key = ? WHERE metering_record_id = ?')
      for (const row of rows) update.run(keyAsBefore0006(row.dedup_key), row.metering_record_id)
      db.prepare('DELETE FROM kysely_migration WHERE name > ?').run(`${LAST_BEFORE_0006}~`)
      for (const table of LATER_TABLES) db.prepare(`DROP TABLE ${table}`).run()
      return rows.length
    } finally {
      db.close()
    }
  }
  const client = new pg.Client({ connectionString: store.url })
  await client.connect()
  try {
    const { rows } = await client.query<{ metering_record_id: string; dedup_key: string }>(
      'SELECT metering_record_id, dedup_key FROM usage_records',
    )
    for (const row of rows)
      await client.query('UPDATE usage_records SET dedup_key = $1 WHERE metering_record_id = $2', [
        keyAsBefore0006(row.dedup_key),
        row.metering_record_id,
      ])
    await client.query('DELETE FROM kysely_migration WHERE name > $1', [`${LAST_BEFORE_0006}~`])
    for (const table of LATER_TABLES) await client.query(`DROP TABLE ${table}`)
    return rows.length
  } finally {
    await client.end()
  }
}

describeEachStore('upgrading a ledger recorded before migration 0006', (kind) => {
  let meterd: TestMeterd
  const usage = (quantity: number): BatchMeterUsageCommandInput => ({
    ProductCode: 'demo-saas',
    UsageRecords: [{ Timestamp: midMonthHourAgo(3, 10), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: quantity }],
  })
  const hosts = (quantity: number) =>
    new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: midMonthHourAgo(1, 5), UsageDimension: 'hosts', UsageQuantity: quantity })

  before(async () => {
    meterd = await startMeterd({ nowMs: MID_MONTH_MS, store: kind })
  })
  after(() => meterd.close())

  it('answers retries of earlier requests as replays and keeps refusing duplicates', async () => {
    const seller = meterd.client(SELLER)
    const buyer = meterd.client(BUYER)
    const recorded = (await seller.send(new BatchMeterUsageCommand(usage(5)))).Results![0]!
    const refused = (await seller.send(new BatchMeterUsageCommand(usage(7)))).Results![0]!
    const metered = await buyer.send(hosts(2))
    assert.deepEqual([recorded.Status, refused.Status], ['Success', 'DuplicateRecord'])

    let turnedBack = 0
    await meterd.restart(async () => {
      turnedBack = await turnBackTo0005(meterd.store)
    })
    assert.equal(turnedBack, 3)

    const retried = (await seller.send(new BatchMeterUsageCommand(usage(5)))).Results![0]!
    assert.deepEqual([retried.MeteringRecordId, retried.Status], [recorded.MeteringRecordId, 'Success'])
    const refusedAgain = (await seller.send(new BatchMeterUsageCommand(usage(7)))).Results![0]!
    assert.deepEqual([refusedAgain.MeteringRecordId, refusedAgain.Status], [refused.MeteringRecordId, 'DuplicateRecord'])
    const otherQuantity = (await seller.send(new BatchMeterUsageCommand(usage(9)))).Results![0]!
    assert.equal(otherQuantity.Status, 'DuplicateRecord')
    assert.notEqual(otherQuantity.MeteringRecordId, refused.MeteringRecordId)
    // The SDK sends a fresh ClientToken each time: the slot alone recognises the retry.
    assert.equal((await buyer.send(hosts(2))).MeteringRecordId, metered.MeteringRecordId)
    const duplicate = await errorOf(() => buyer.send(hosts(3)))
    assert.equal(duplicate.name, 'DuplicateRequestException')

    const { body } = await meterd.admin('GET', '/records?limit=100')
    assert.deepEqual(body.records.map((r: { status: string }) => r.status).sort(), [
      'DuplicateRecord',
      'DuplicateRecord',
      'Success',
      'Success',
    ])
  })
})
