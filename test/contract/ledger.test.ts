import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, beforeEach, it } from 'node:test'
import type { AuditEvent } from '../../src/domain/audit-event.js'
import type { LifecycleEvent } from '../../src/domain/lifecycle-event.js'
import { batchSlotKey, isReplayOf, meterSlotKey, type UsageRecord } from '../../src/domain/usage-record.js'
import type { Ledger, RecordUsageCommand } from '../../src/ledger/ledger.js'
import { openLedger } from '../../src/server/open-store.js'
import { newId } from '../../src/shared/ids.js'
import { HOUR_MS } from '../../src/shared/time.js'
import { describeEachStore, freshStore, type TestStore } from '../helpers/store.js'

/**
 * The Ledger port's contract, written once and run against every store: what each method
 * promises (idempotency by unique keys, outcomes in order, durability across a reopen, pagination,
 * compare-and-set), through the port alone. The stores differ in SQL; here they may not differ.
 */
const HOUR = Date.UTC(2026, 9, 15, 10)

function usage(over: Partial<UsageRecord> = {}): UsageRecord {
  const hourMs = over.hourMs ?? HOUR
  return {
    meteringRecordId: newId(),
    dedupKey: batchSlotKey('p', 'customer:c', 'users', hourMs),
    operation: 'BatchMeterUsage',
    status: 'Success',
    productCode: 'p',
    dimension: 'users',
    quantity: 1,
    timestampMs: hourMs + 60_000,
    hourMs,
    customerIdentifier: 'c',
    callerAccountId: '111111111111',
    requestId: newId(),
    receivedAtMs: hourMs + 61_000,
    ...over,
  }
}

const kept = (record: UsageRecord): RecordUsageCommand => ({ record, keepRefused: true })

function auditEvent(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    eventId: newId(),
    timeMs: HOUR,
    operation: 'MeterUsage',
    sourceIp: '127.0.0.1',
    requestId: newId(),
    httpStatus: 200,
    durationMs: 3,
    ...over,
  }
}

describeEachStore('the Ledger port', (kind) => {
  let dir: string
  let store: TestStore
  let ledger: Ledger
  const open = async () => (ledger = await openLedger(store.location))

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meterd-contract-'))
    store = await freshStore(dir, kind)
    await open()
  })
  afterEach(async () => {
    await ledger.close()
    await store.drop()
    rmSync(dir, { recursive: true, force: true })
  })
  after(() => undefined)

  it('records a record in a free slot (created) and reads it back as written', async () => {
    const record = usage({ allocations: [{ quantity: 1, tags: [{ key: 'team', value: 'a' }] }], callerAccessKeyId: 'AKIAEXAMPLE' })
    const [outcome] = await ledger.recordUsage([kept(record)], isReplayOf)
    assert.deepEqual(outcome, { kind: 'created', record })
    assert.deepEqual(await ledger.findRecord(record.meteringRecordId), record)
    assert.equal(await ledger.countRecords(), 1)
  })

  it('answers a retry of the same slot and quantity with the first record, storing nothing (replayed)', async () => {
    const first = usage()
    await ledger.recordUsage([kept(first)], isReplayOf)
    const [outcome] = await ledger.recordUsage([kept(usage({ timestampMs: HOUR + 30 * 60_000 }))], isReplayOf)
    assert.deepEqual(outcome, { kind: 'replayed', record: first })
    assert.equal(await ledger.countRecords(), 1)
  })

  it('keeps a refused other quantity as DuplicateRecord under a key of its own, and answers its retry with the same id', async () => {
    await ledger.recordUsage([kept(usage())], isReplayOf)
    const attempt = usage({ quantity: 5 })
    const [refused] = await ledger.recordUsage([kept(attempt)], isReplayOf)
    assert.equal(refused?.kind, 'duplicate')
    const stored = (refused as { record: UsageRecord }).record
    assert.equal(stored.status, 'DuplicateRecord')
    assert.equal(stored.meteringRecordId, attempt.meteringRecordId)
    const [again] = await ledger.recordUsage([kept(usage({ quantity: 5 }))], isReplayOf)
    assert.deepEqual(again, { kind: 'duplicate', record: stored })
    assert.equal(await ledger.countRecords(), 2)
  })

  it('without keepRefused, stores nothing for another quantity and says which record holds the slot (conflict)', async () => {
    const first = usage()
    await ledger.recordUsage([kept(first)], isReplayOf)
    const [outcome] = await ledger.recordUsage([{ record: usage({ quantity: 9 }) }], isReplayOf)
    assert.deepEqual(outcome, { kind: 'conflict', existing: first })
    assert.equal(await ledger.countRecords(), 1)
  })

  it('answers commands in order, each seeing the ones before it, in one call', async () => {
    const a = usage()
    const b = usage({ dimension: 'api', dedupKey: batchSlotKey('p', 'customer:c', 'api', HOUR) })
    const outcomes = await ledger.recordUsage([kept(a), kept(usage()), kept(b), kept(usage({ quantity: 2 }))], isReplayOf)
    assert.deepEqual(
      outcomes.map((o) => o.kind),
      ['created', 'replayed', 'created', 'duplicate'],
    )
    assert.equal((outcomes[1] as { record: UsageRecord }).record.meteringRecordId, a.meteringRecordId)
  })

  it('claims a ClientToken: same token and fingerprint replays, another fingerprint is a token-conflict', async () => {
    const meter = (quantity: number, fingerprint: string, token = 'tok-1') => {
      const record = usage({ operation: 'MeterUsage', dedupKey: meterSlotKey('p', 'i-1', 'users', HOUR), quantity })
      return { record, clientToken: { accountId: '222222222222', token, fingerprint } }
    }
    const first = meter(1, 'f1')
    assert.equal((await ledger.recordUsage([first], isReplayOf))[0]?.kind, 'created')
    assert.deepEqual(await ledger.recordUsage([meter(1, 'f1')], isReplayOf), [{ kind: 'replayed', record: first.record }])
    assert.deepEqual(await ledger.recordUsage([meter(1, 'f2')], isReplayOf), [{ kind: 'token-conflict' }])
    // A fresh token for the same slot does not open a second record in the hour.
    assert.deepEqual(await ledger.recordUsage([meter(1, 'f3', 'tok-2')], isReplayOf), [{ kind: 'replayed', record: first.record }])
    assert.equal(await ledger.countRecords(), 1)
  })

  it('decides again from the slot when the first call with a token was refused', async () => {
    const slot = meterSlotKey('p', 'i-1', 'users', HOUR)
    await ledger.recordUsage([{ record: usage({ operation: 'MeterUsage', dedupKey: slot, quantity: 1 }) }], isReplayOf)
    const token = { accountId: '222222222222', token: 'tok-3', fingerprint: 'f' }
    const refused = await ledger.recordUsage(
      [{ record: usage({ operation: 'MeterUsage', dedupKey: slot, quantity: 2 }), clientToken: token }],
      isReplayOf,
    )
    assert.equal(refused[0]?.kind, 'conflict')
    const retry = await ledger.recordUsage(
      [{ record: usage({ operation: 'MeterUsage', dedupKey: slot, quantity: 2 }), clientToken: token }],
      isReplayOf,
    )
    assert.equal(retry[0]?.kind, 'conflict')
  })

  it('gives exactly one record to a slot claimed by many concurrent writers', async () => {
    const outcomes = (await Promise.all(Array.from({ length: 32 }, () => ledger.recordUsage([kept(usage())], isReplayOf)))).flat()
    assert.equal(outcomes.filter((o) => o.kind === 'created').length, 1)
    const ids = new Set(outcomes.map((o) => (o as { record: UsageRecord }).record.meteringRecordId))
    assert.equal(ids.size, 1)
    assert.equal(await ledger.countRecords(), 1)
  })

  it('keeps what it acknowledged across a close and a reopen, and still knows its slots', async () => {
    const record = usage()
    await ledger.recordUsage([kept(record)], isReplayOf)
    await ledger.close()
    await open()
    assert.deepEqual(await ledger.findRecord(record.meteringRecordId), record)
    assert.deepEqual(await ledger.recordUsage([kept(usage())], isReplayOf), [{ kind: 'replayed', record }])
  })

  it('lists records in received order with keyset pagination, and filters them', async () => {
    const records = Array.from({ length: 7 }, (_, i) =>
      usage({
        dedupKey: batchSlotKey('p', `customer:c${i}`, 'users', HOUR),
        customerIdentifier: `c${i}`,
        receivedAtMs: HOUR + 1000 + Math.floor(i / 2), // pairs share a millisecond: the id breaks the tie
        quantity: i,
        ...(i % 2 ? { allocations: [{ quantity: i, tags: [{ key: 'team', value: `t${i}` }] }] } : {}),
      }),
    )
    for (const r of records) await ledger.recordUsage([kept(r)], isReplayOf)
    const pages: string[][] = []
    let after: UsageRecord | undefined
    for (;;) {
      const page = await ledger.listUsage({}, after && { receivedAtMs: after.receivedAtMs, meteringRecordId: after.meteringRecordId }, 3)
      if (page.length === 0) break
      pages.push(page.map((r) => r.meteringRecordId))
      after = page.at(-1)
    }
    assert.deepEqual(
      pages.map((p) => p.length),
      [3, 3, 1],
    )
    assert.deepEqual(
      pages.flat(),
      records.map((r) => r.meteringRecordId),
    )
    assert.deepEqual(
      (await ledger.listUsage({ customerIdentifier: 'c3' }, undefined, 10)).map((r) => r.quantity),
      [3],
    )
    assert.deepEqual(
      (await ledger.listUsage({ tagKey: 'team' }, undefined, 10)).map((r) => r.quantity),
      [1, 3, 5],
    )
    assert.deepEqual(
      (await ledger.listUsage({ tagKey: 'team', tagValue: 't5' }, undefined, 10)).map((r) => r.quantity),
      [5],
    )
    const backwards: string[] = []
    let before: UsageRecord | undefined
    for (;;) {
      const page = await ledger.listUsage(
        {},
        before && { receivedAtMs: before.receivedAtMs, meteringRecordId: before.meteringRecordId },
        3,
        'newest-first',
      )
      if (page.length === 0) break
      backwards.push(...page.map((r) => r.meteringRecordId))
      before = page.at(-1)
    }
    assert.deepEqual(backwards, records.map((r) => r.meteringRecordId).reverse())
  })

  it('counts records and their quantity per status, with the usage filters', async () => {
    const at = (minute: number, quantity: number, status: UsageRecord['status']) =>
      usage({ dedupKey: newId(), timestampMs: HOUR + minute * 60_000, quantity, status })
    await ledger.recordUsage(
      [kept(at(1, 2, 'Success')), kept(at(2, 3, 'Success')), kept(at(3, 4, 'DuplicateRecord')), kept(at(40, 5, 'Success'))],
      isReplayOf,
    )
    assert.deepEqual(await ledger.countUsageByStatus({}), [
      { status: 'DuplicateRecord', records: 1, quantity: 4 },
      { status: 'Success', records: 3, quantity: 10 },
    ])
    assert.deepEqual(await ledger.countUsageByStatus({ fromMs: HOUR + 30 * 60_000 }), [{ status: 'Success', records: 1, quantity: 5 }])
    assert.deepEqual(await ledger.countUsageByStatus({ productCode: 'nothing' }), [])
  })

  it('sums quantities per product, customer, dimension and 15-minute slice, and per tag value', async () => {
    const at = (minute: number, quantity: number, customer: string, tag?: string) =>
      usage({
        dedupKey: newId(),
        customerIdentifier: customer,
        timestampMs: HOUR + minute * 60_000,
        quantity,
        ...(tag ? { allocations: [{ quantity, tags: [{ key: 'team', value: tag }] }] } : {}),
      })
    await ledger.recordUsage(
      [kept(at(1, 2, 'a', 'x')), kept(at(14, 3, 'a', 'y')), kept(at(16, 5, 'a', 'x')), kept(at(1, 7, 'b'))],
      isReplayOf,
    )
    const sums = await ledger.sumUsage({}, undefined)
    const view = (s: { customer: string; sliceStartMs: number; quantity: number; records: number; tagValue?: string }) =>
      `${s.customer} ${(s.sliceStartMs - HOUR) / 60_000} ${s.quantity}/${s.records}${s.tagValue ? ` ${s.tagValue}` : ''}`
    assert.deepEqual(sums.map(view).sort(), ['a 0 5/2', 'a 15 5/1', 'b 0 7/1'])
    assert.deepEqual((await ledger.sumUsage({}, 'team')).map(view).sort(), ['a 0 2/1 x', 'a 0 3/1 y', 'a 15 5/1 x'])
    assert.deepEqual((await ledger.sumUsage({ fromMs: HOUR + 15 * 60_000 }, undefined)).map(view), ['a 15 5/1'])
  })

  it('stores the world with a version, and refuses a save over a version it did not read', async () => {
    assert.equal(await ledger.loadWorld(), undefined)
    assert.equal(await ledger.worldVersion(), 0)
    assert.equal(await ledger.saveWorld(0, { products: [] }, HOUR), true)
    assert.equal(await ledger.saveWorld(0, { products: ['again'] }, HOUR), false)
    assert.equal(await ledger.saveWorld(1, { products: ['second'] }, HOUR), true)
    assert.equal(await ledger.saveWorld(1, { products: ['stale'] }, HOUR), false)
    assert.deepEqual(await ledger.loadWorld(), { version: 2, document: { products: ['second'] } })
    assert.equal(await ledger.worldVersion(), 2)
  })

  it('stores the lifecycle events of a world change with it, in order, and none when the change loses the race', async () => {
    const event = (type: LifecycleEvent['type'], accountId: string, atMs: number): LifecycleEvent => ({
      type,
      atMs,
      productCode: 'p',
      sellerAccountId: '111111111111',
      accountId,
      customerIdentifier: `c-${accountId}`,
      agreementId: `agmt-${accountId}`,
      freeTrial: false,
    })
    assert.equal(
      await ledger.saveWorld(0, { v: 1 }, HOUR, [
        event('subscribe-success', '222222222222', HOUR),
        event('agreement-created', '222222222222', HOUR),
      ]),
      true,
    )
    assert.equal(await ledger.saveWorld(0, { v: 'lost' }, HOUR, [event('subscribe-fail', '999999999999', HOUR)]), false)
    assert.equal(await ledger.saveWorld(1, { v: 2 }, HOUR + 1, [event('unsubscribe-pending', '222222222222', HOUR + 1)]), true)
    assert.equal(await ledger.saveWorld(2, { v: 3 }, HOUR + 2, [event('subscribe-success', '333333333333', HOUR + 2)]), true)
    const all = await ledger.listLifecycleEvents({}, undefined, 10)
    assert.deepEqual(
      all.map((e) => [e.worldVersion, e.position, e.type, e.accountId]),
      [
        [1, 0, 'subscribe-success', '222222222222'],
        [1, 1, 'agreement-created', '222222222222'],
        [2, 0, 'unsubscribe-pending', '222222222222'],
        [3, 0, 'subscribe-success', '333333333333'],
      ],
    )
    assert.deepEqual(
      { ...all[0]!, worldVersion: undefined, position: undefined },
      { ...event('subscribe-success', '222222222222', HOUR), worldVersion: undefined, position: undefined },
    )
    assert.deepEqual(
      (await ledger.listLifecycleEvents({ accountId: '222222222222', type: 'unsubscribe-pending' }, undefined, 10)).map((e) => e.atMs),
      [HOUR + 1],
    )
    assert.deepEqual(
      (await ledger.listLifecycleEvents({ agreementId: 'agmt-333333333333' }, undefined, 10)).map((e) => e.type),
      ['subscribe-success'],
    )
    assert.deepEqual(
      (await ledger.listLifecycleEvents({}, { worldVersion: 1, position: 1 }, 1)).map((e) => [e.worldVersion, e.position]),
      [[2, 0]],
    )
  })

  it('adds signing keys as numbered versions, expiring the previous one; onlyIfNone adds only the first', async () => {
    const key = (n: number) => ({ privateKeyPem: `private ${n}`, publicKeyPem: `public ${n}`, createdAtMs: HOUR + n })
    const first = await ledger.addSigningKey(key(1), { expireCurrentAtMs: HOUR, onlyIfNone: true })
    assert.deepEqual(
      first.map((k) => [k.version, k.expiresAtMs]),
      [[1, undefined]],
    )
    assert.equal((await ledger.addSigningKey(key(2), { expireCurrentAtMs: HOUR, onlyIfNone: true })).length, 1)
    const rotated = await ledger.addSigningKey(key(3), { expireCurrentAtMs: HOUR + 5 })
    assert.deepEqual(
      rotated.map((k) => [k.version, k.publicKeyPem, k.expiresAtMs]),
      [
        [1, 'public 1', HOUR + 5],
        [2, 'public 3', undefined],
      ],
    )
    assert.deepEqual(await ledger.listSigningKeys(), rotated)
  })

  it('keeps registration tokens by hash, and counts registration calls', async () => {
    const token = {
      tokenHash: 'h1',
      productCode: 'p',
      customerIdentifier: 'c',
      customerAccountId: '222222222222',
      licenseArn: 'arn:aws:license-manager::222222222222:license/l-1',
      offerType: 'free-trial' as const,
      createdAtMs: HOUR,
      expiresAtMs: HOUR + 4 * HOUR_MS,
    }
    await ledger.saveRegistrationToken(token)
    assert.deepEqual(await ledger.findRegistrationToken('h1'), token)
    assert.equal(await ledger.findRegistrationToken('h2'), undefined)

    const call = (atMs: number) => ({
      key: 'r1',
      productCode: 'p',
      resourceId: 'task-1',
      callerAccountId: '222222222222',
      preview: false,
      firstCallMs: atMs,
      lastCallMs: atMs,
      callCount: 1,
    })
    assert.equal(await ledger.findRegistration('r1'), undefined)
    assert.deepEqual(await ledger.recordRegistrationCall(call(HOUR)), call(HOUR))
    assert.deepEqual(await ledger.recordRegistrationCall(call(HOUR + 10)), { ...call(HOUR), lastCallMs: HOUR + 10, callCount: 2 })
  })

  it('appends audit events, lists them in time order with filters and a cursor, and prunes the old ones', async () => {
    const events = [
      auditEvent({ timeMs: HOUR + 1, operation: 'BatchMeterUsage', callerAccountId: '111111111111', accessKeyId: 'AKIA1' }),
      auditEvent({
        timeMs: HOUR + 2,
        errorCode: 'ThrottlingException',
        errorMessage: 'Rate exceeded',
        httpStatus: 400,
        injectedFault: 'quota',
      }),
      auditEvent({ timeMs: HOUR + 3, requestParameters: { ProductCode: 'p' }, responseElements: { MeteringRecordId: 'm' } }),
    ]
    await ledger.appendAuditEvents(events)
    const all = await ledger.listAuditEvents({}, undefined, 10)
    assert.deepEqual(
      all.map((e) => e.eventId),
      events.map((e) => e.eventId),
    )
    assert.deepEqual(all[2]!.requestParameters, { ProductCode: 'p' })
    assert.deepEqual(all[2]!.responseElements, { MeteringRecordId: 'm' })
    assert.deepEqual(
      (await ledger.listAuditEvents({ failed: true }, undefined, 10)).map((e) => e.errorCode),
      ['ThrottlingException'],
    )
    assert.equal((await ledger.listAuditEvents({ injectedOnly: true }, undefined, 10)).length, 1)
    assert.equal((await ledger.listAuditEvents({ accessKeyId: 'AKIA1' }, undefined, 10)).length, 1)
    assert.deepEqual(
      (await ledger.listAuditEvents({}, { timeMs: HOUR + 1, eventId: events[0]!.eventId }, 10)).map((e) => e.timeMs),
      [HOUR + 2, HOUR + 3],
    )
    assert.equal(await ledger.pruneAuditEvents(HOUR + 3), 2)
    assert.equal((await ledger.listAuditEvents({}, undefined, 10)).length, 1)
  })

  it('lists audit events newest first, the cursor continuing backwards, and counts them per minute, operation and outcome', async () => {
    const MINUTE = 60_000
    const events = [
      auditEvent({ timeMs: HOUR + 1_000, operation: 'BatchMeterUsage' }),
      auditEvent({ timeMs: HOUR + 2_000, operation: 'BatchMeterUsage' }),
      auditEvent({ timeMs: HOUR + 3_000, operation: 'BatchMeterUsage', errorCode: 'ThrottlingException', httpStatus: 400 }),
      auditEvent({ timeMs: HOUR + MINUTE + 5, operation: 'MeterUsage', errorCode: 'ThrottlingException', httpStatus: 400 }),
      auditEvent({ timeMs: HOUR + 2 * MINUTE, operation: 'MeterUsage' }),
    ]
    await ledger.appendAuditEvents(events)
    const newest = await ledger.listAuditEvents({}, undefined, 2, 'newest-first')
    assert.deepEqual(
      newest.map((e) => e.timeMs),
      [HOUR + 2 * MINUTE, HOUR + MINUTE + 5],
    )
    const last = newest.at(-1)!
    assert.deepEqual(
      (await ledger.listAuditEvents({}, { timeMs: last.timeMs, eventId: last.eventId }, 10, 'newest-first')).map((e) => e.timeMs),
      [HOUR + 3_000, HOUR + 2_000, HOUR + 1_000],
    )
    assert.deepEqual(
      (await ledger.listAuditEvents({ failed: true }, undefined, 1, 'newest-first')).map((e) => e.timeMs),
      [HOUR + MINUTE + 5],
    )
    assert.deepEqual(await ledger.countAuditEvents(HOUR, HOUR + 2 * MINUTE), [
      { minuteStartMs: HOUR, operation: 'BatchMeterUsage', outcome: 'Success', calls: 2 },
      { minuteStartMs: HOUR, operation: 'BatchMeterUsage', outcome: 'ThrottlingException', calls: 1 },
      { minuteStartMs: HOUR + MINUTE, operation: 'MeterUsage', outcome: 'ThrottlingException', calls: 1 },
    ])
  })

  it('keeps named control documents, the last save winning', async () => {
    assert.equal(await ledger.loadControl('clock'), undefined)
    await ledger.saveControl('clock', { mode: 'frozen', frozenAtMs: 1 }, HOUR)
    await ledger.saveControl('clock', { mode: 'real' }, HOUR)
    assert.deepEqual(await ledger.loadControl('clock'), { mode: 'real' })
  })

  it('keeps fault rules in the order added; a counted rule is used up exactly once per remaining call', async () => {
    await ledger.addFaultRule({ id: 'r-1', document: { operation: '*' }, createdAtMs: HOUR })
    await ledger.addFaultRule({ id: 'r-2', document: { operation: 'MeterUsage' }, remaining: 2, createdAtMs: HOUR + 1 })
    assert.deepEqual(
      (await ledger.listFaultRules()).map((r) => [r.id, r.remaining]),
      [
        ['r-1', undefined],
        ['r-2', 2],
      ],
    )
    const takes = await Promise.all(Array.from({ length: 5 }, () => ledger.consumeFaultRule('r-2')))
    assert.equal(takes.filter(Boolean).length, 2)
    assert.equal(await ledger.consumeFaultRule('r-1'), false)
    assert.equal(await ledger.removeFaultRule('r-1'), true)
    assert.equal(await ledger.removeFaultRule('r-1'), false)
    assert.equal(await ledger.removeAllFaultRules(), 1)
    assert.deepEqual(await ledger.listFaultRules(), [])
  })

  it('shares token buckets: a burst of the rate, then one token per 1/rate seconds, even for concurrent takers', async () => {
    const takes = await Promise.all(Array.from({ length: 6 }, () => ledger.takeQuotaToken('acct/us-east-1/MeterUsage/4', 4, HOUR)))
    assert.equal(takes.filter(Boolean).length, 4)
    assert.equal(await ledger.takeQuotaToken('acct/us-east-1/MeterUsage/4', 4, HOUR + 249), false)
    assert.equal(await ledger.takeQuotaToken('acct/us-east-1/MeterUsage/4', 4, HOUR + 250), true)
    assert.equal(await ledger.takeQuotaToken('other/us-east-1/MeterUsage/4', 4, HOUR), true)
  })
})
