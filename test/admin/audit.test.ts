import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, MeterUsageCommand, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering'
import type { AdminClient } from '../../src/admin/admin-client.js'
import { DEMO_LICENSE_ARN } from '../../src/catalog/demo-world.js'
import { BUYER, CUSTOMER, errorOf, hourAgo, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { adminOf, assertAdminError, eventually, requestIdOf, textOf } from './support.js'

type Event = Record<string, any>
const AUDIT_HEADER =
  'eventId,eventTime,eventName,userIdentity,sourceIPAddress,userAgent,requestID,requestParameters,responseElements,httpStatus,errorCode,errorMessage,injectedFault,durationMs'

describe('admin API: the audit trail', () => {
  let meterd: TestMeterd
  let admin: AdminClient
  const started = Date.now()
  /** Request ids of the calls made in `before`, by what they show. */
  const calls: Record<'accepted' | 'invalid' | 'badSignature' | 'unknownTarget' | 'resolve' | 'injected', string> = {} as never
  let meteringRecordId: string
  let registrationToken: string
  let licenseArn: string
  let faultId: string
  let timestamp: Date
  let all: Event[]
  const byRequest = (id: string) => all.find((e) => e.requestID === id)!
  const requestIds = (events: Event[]) => events.map((e) => e.requestID)

  before(async () => {
    meterd = await startMeterd()
    admin = adminOf(meterd)
    timestamp = hourAgo(1)

    const accepted = await meterd.client({ ...SELLER }).send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: timestamp, CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 3 }],
      }),
    )
    calls.accepted = accepted.$metadata.requestId!
    meteringRecordId = accepted.Results![0]!.MeteringRecordId!

    const buyer = meterd.client({ ...BUYER })
    const invalid = await errorOf(() =>
      buyer.send(new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: timestamp, UsageDimension: 'hosts', UsageQuantity: -1 })),
    )
    assert.equal(invalid.name, 'ValidationException')
    calls.invalid = requestIdOf(invalid)

    const wrongSecret = meterd.client({ accessKeyId: SELLER.accessKeyId, secretAccessKey: 'not-the-secret' })
    const badSignature = await errorOf(() =>
      wrongSecret.send(
        new BatchMeterUsageCommand({
          ProductCode: 'demo-saas',
          UsageRecords: [{ Timestamp: timestamp, CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 4 }],
        }),
      ),
    )
    assert.equal(badSignature.name, 'InvalidSignatureException')
    calls.badSignature = requestIdOf(badSignature)

    const unknown = await fetch(`${meterd.url}/`, {
      method: 'POST',
      body: '{}',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSMPMeteringService.DeleteEverything',
        'user-agent': 'curl/8.0',
      },
    })
    assert.equal(unknown.status, 400)
    calls.unknownTarget = unknown.headers.get('x-amzn-requestid')!

    const subscription = await admin.subscribe({ productCode: 'demo-saas', accountId: '333333333333', deliver: false })
    registrationToken = subscription.registrationToken
    licenseArn = subscription.licenseArn
    const resolved = await meterd.client({ ...SELLER }).send(new ResolveCustomerCommand({ RegistrationToken: registrationToken }))
    calls.resolve = resolved.$metadata.requestId!

    faultId = (await admin.addFault({ operation: 'MeterUsage', error: 'ThrottlingException', times: 1 })).id
    const throttled = await errorOf(() =>
      buyer.send(new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: timestamp, UsageDimension: 'hosts', UsageQuantity: 1 })),
    )
    assert.equal(throttled.name, 'ThrottlingException')
    calls.injected = requestIdOf(throttled)

    all = (
      await eventually(
        () => admin.listAudit({ limit: 100 }),
        (page) => page.events.length >= 6,
      )
    ).events
  })
  after(() => meterd.close())

  it('records each call once, oldest first', () => {
    assert.deepEqual(requestIds(all), [
      calls.accepted,
      calls.invalid,
      calls.badSignature,
      calls.unknownTarget,
      calls.resolve,
      calls.injected,
    ])
    assert.equal(new Set(all.map((e) => e.eventId)).size, 6)
  })

  it('records an accepted call like CloudTrail: time, operation, caller, source IP, user agent, request id, parameters and response', () => {
    const e = byRequest(calls.accepted)
    assert.ok(Date.parse(e.eventTime) >= started && Date.parse(e.eventTime) <= Date.now(), e.eventTime)
    assert.equal(e.eventName, 'BatchMeterUsage')
    assert.deepEqual(e.userIdentity, { accountId: '111111111111', accessKeyId: SELLER.accessKeyId })
    assert.equal(e.sourceIPAddress, '127.0.0.1')
    assert.match(e.userAgent, /aws-sdk-js/)
    assert.deepEqual(e.requestParameters, {
      ProductCode: 'demo-saas',
      UsageRecords: [{ Timestamp: timestamp.getTime() / 1000, CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 3 }],
    })
    assert.deepEqual(
      e.responseElements.Results.map((r: Event) => [r.MeteringRecordId, r.Status]),
      [[meteringRecordId, 'Success']],
    )
    assert.deepEqual(e.responseElements.UnprocessedRecords, [])
    assert.deepEqual([e.httpStatus, e.errorCode, e.errorMessage, e.injectedFault], [200, null, null, null])
    assert.equal(typeof e.durationMs, 'number')
  })

  it('records a refused call with its error code and message and no response', () => {
    const e = byRequest(calls.invalid)
    assert.equal(e.eventName, 'MeterUsage')
    assert.deepEqual(e.userIdentity, { accountId: '222222222222', accessKeyId: BUYER.accessKeyId })
    const { ClientToken, ...parameters } = e.requestParameters
    assert.deepEqual(parameters, {
      ProductCode: 'demo-ami',
      Timestamp: timestamp.getTime() / 1000,
      UsageDimension: 'hosts',
      UsageQuantity: -1,
    })
    assert.match(ClientToken, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/) // the SDK fills the idempotency token in
    assert.deepEqual([e.httpStatus, e.errorCode, e.responseElements], [400, 'ValidationException', null])
    assert.equal(
      e.errorMessage,
      "1 validation error detected: Value '-1' at 'usageQuantity' failed to satisfy constraint: Member must have value greater than or equal to 0",
    )
    assert.equal(e.sourceIPAddress, '127.0.0.1')
    assert.match(e.userAgent, /aws-sdk-js/)
  })

  it('records an authentication failure (wrong secret) as InvalidSignatureException', () => {
    const e = byRequest(calls.badSignature)
    assert.equal(e.eventName, 'BatchMeterUsage')
    assert.deepEqual([e.httpStatus, e.errorCode, e.responseElements, e.injectedFault], [400, 'InvalidSignatureException', null, null])
    assert.match(e.errorMessage, /^The request signature we calculated does not match the signature you provided\./)
    assert.equal(e.sourceIPAddress, '127.0.0.1')
    assert.match(e.userAgent, /aws-sdk-js/)
  })

  it('records a call naming no operation under the X-Amz-Target it sent', () => {
    const e = byRequest(calls.unknownTarget)
    assert.equal(e.eventName, 'AWSMPMeteringService.DeleteEverything')
    assert.deepEqual(
      [e.httpStatus, e.errorCode, e.userAgent, e.sourceIPAddress],
      [400, 'UnknownOperationException', 'curl/8.0', '127.0.0.1'],
    )
    assert.deepEqual(e.userIdentity, { accountId: null, accessKeyId: null })
  })

  it("stores ResolveCustomer's RegistrationToken as '***', never the token, in the list and in both exports", async () => {
    const e = byRequest(calls.resolve)
    assert.equal(e.eventName, 'ResolveCustomer')
    assert.deepEqual(e.requestParameters, { RegistrationToken: '***' })
    assert.deepEqual(e.responseElements, { CustomerAWSAccountId: '333333333333', ProductCode: 'demo-saas', LicenseArn: licenseArn })
    assert.notEqual(licenseArn, DEMO_LICENSE_ARN)
    for (const format of ['csv', 'ndjson'] as const) {
      const text = await textOf(await admin.export('audit', { format }))
      assert.ok(text.includes(calls.resolve), `${format} export holds the ResolveCustomer event`)
      assert.ok(!text.includes(registrationToken), `${format} export must not hold the registration token`)
    }
  })

  it("marks an injected fault with 'fault:<ruleId>'", () => {
    const e = byRequest(calls.injected)
    assert.deepEqual(
      [e.eventName, e.errorCode, e.errorMessage, e.injectedFault],
      ['MeterUsage', 'ThrottlingException', 'Rate exceeded', `fault:${faultId}`],
    )
  })

  it('filters by operation, caller account, access key, error code, failed, injected and time', async () => {
    const query = async (q: Record<string, string | boolean>) => requestIds((await admin.listAudit(q)).events)
    assert.deepEqual(await query({ operation: 'MeterUsage' }), [calls.invalid, calls.injected])
    assert.deepEqual(await query({ operation: 'AWSMPMeteringService.DeleteEverything' }), [calls.unknownTarget])
    assert.deepEqual(await query({ accountId: '222222222222' }), [calls.invalid, calls.injected])
    assert.deepEqual(await query({ accessKeyId: SELLER.accessKeyId }), [calls.accepted, calls.resolve])
    assert.deepEqual(await query({ errorCode: 'InvalidSignatureException' }), [calls.badSignature])
    assert.deepEqual(await query({ failed: true }), [calls.invalid, calls.badSignature, calls.unknownTarget, calls.injected])
    assert.deepEqual(await query({ failed: false }), [calls.accepted, calls.resolve])
    assert.deepEqual(await query({ injected: true }), [calls.injected])
    assert.deepEqual(await query({ injected: false }), requestIds(all))
    const resolveTime = byRequest(calls.resolve).eventTime
    assert.deepEqual(await query({ from: resolveTime }), [calls.resolve, calls.injected])
    assert.deepEqual(await query({ to: byRequest(calls.accepted).eventTime }), [])
    assert.deepEqual(await query({ operation: 'RegisterUsage' }), [])
  })

  it('pages with limit 2 and nextCursor, each event once, and tells the retention', async () => {
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page: { events: Event[]; nextCursor: string | null; retentionDays?: number } = await admin.listAudit({
        limit: 2,
        ...(cursor ? { cursor } : {}),
      })
      assert.equal(page.retentionDays, 30)
      seen.push(...requestIds(page.events))
      cursor = page.nextCursor
      pages++
    } while (cursor)
    assert.deepEqual(seen, requestIds(all))
    assert.equal(pages, 4) // 2 + 2 + 2, then an empty last page
  })

  it('exports CSV and NDJSON with the same filters', async () => {
    const csv = await textOf(await admin.export('audit', { format: 'csv', errorCode: 'UnknownOperationException' }))
    const e = byRequest(calls.unknownTarget)
    assert.equal(
      csv,
      `${AUDIT_HEADER}\n${[
        e.eventId,
        e.eventTime,
        'AWSMPMeteringService.DeleteEverything',
        '"{""accountId"":null,""accessKeyId"":null}"',
        '127.0.0.1',
        'curl/8.0',
        calls.unknownTarget,
        '',
        '',
        '400',
        'UnknownOperationException',
        `"${e.errorMessage}"`,
        '',
        String(e.durationMs),
      ].join(',')}\n`,
    )
    assert.match(
      e.errorMessage,
      /^Unknown operation AWSMPMeteringService\.DeleteEverything; expected AWSMPMeteringService\.\{BatchMeterUsage,MeterUsage,/,
    )
    const ndjson = await textOf(await admin.export('audit', { format: 'ndjson' }))
    assert.deepEqual(
      ndjson
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line)),
      all,
    )
    const failed = await textOf(await admin.export('audit', { failed: true }))
    assert.deepEqual(
      failed
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).requestID),
      [calls.invalid, calls.badSignature, calls.unknownTarget, calls.injected],
    )
  })

  it('answers 400 BadRequest naming the parameter for a bad audit query', async () => {
    await assertAdminError(
      () => admin.listAudit({ failed: 'maybe' }),
      400,
      'BadRequest',
      'failed: Invalid option: expected one of "true"|"false"',
    )
    await assertAdminError(() => admin.listAudit({ accountId: 'seller' }), 400, 'BadRequest', 'accountId: must be digits')
    await assertAdminError(
      () => admin.listAudit({ cursor: 'not-a-cursor' }),
      400,
      'BadRequest',
      'cursor: is not a cursor this API returned',
    )
    await assertAdminError(
      () => admin.listAudit({ from: 'last week' }),
      400,
      'BadRequest',
      'from: must be an ISO-8601 date-time or epoch seconds',
    )
    await assertAdminError(() => admin.listAudit({ eventName: 'MeterUsage' }), 400, 'BadRequest', 'query: Unrecognized key: "eventName"')
    await assertAdminError(
      () => admin.export('audit', { format: 'json' as 'csv' }),
      400,
      'BadRequest',
      'format: Invalid option: expected one of "csv"|"ndjson"',
    )
  })
})

describe('audit retention', () => {
  it('drops events older than the retention period (30 days here) when meterd starts', async () => {
    const meterd = await startMeterd({ nowMs: Date.now() })
    try {
      const admin = adminOf(meterd)
      await meterd.client({ ...SELLER }).send(
        new BatchMeterUsageCommand({
          ProductCode: 'demo-saas',
          UsageRecords: [
            { Timestamp: new Date(meterd.clock!.nowMs() - 3600_000), CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1 },
          ],
        }),
      )
      assert.equal(
        (
          await eventually(
            () => admin.listAudit(),
            (p) => p.events.length === 1,
          )
        ).events.length,
        1,
      )
      meterd.clock!.advance(29 * 86_400_000)
      await meterd.restart()
      assert.equal((await adminOf(meterd).listAudit()).events.length, 1) // 29 days old: kept
      meterd.clock!.advance(2 * 86_400_000)
      await meterd.restart()
      assert.equal(
        (
          await eventually(
            () => adminOf(meterd).listAudit(),
            (p) => p.events.length === 0,
          )
        ).events.length,
        0,
      )
    } finally {
      await meterd.close()
    }
  })
})
