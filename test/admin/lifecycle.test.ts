import assert from 'node:assert/strict'
import { after, before, it } from 'node:test'
import { GetEntitlementsCommand, MarketplaceEntitlementServiceClient } from '@aws-sdk/client-marketplace-entitlement-service'
import { BatchMeterUsageCommand, ResolveCustomerCommand } from '@aws-sdk/client-marketplace-metering'
import { AdminClient, type LifecycleEventView } from '../../src/admin/admin-client.js'
import { DEMO_WORLD } from '../../src/catalog/demo-world.js'
import type { WorldInput } from '../../src/catalog/world.js'
import { MID_MONTH_MS, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'
import { describeEachStore } from '../helpers/store.js'
import { assertAdminError } from './support.js'

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const T = MID_MONTH_MS
const iso = (ms: number) => new Date(ms).toISOString()
const plusMonths = (ms: number, n: number) => {
  const d = new Date(ms)
  d.setUTCMonth(d.getUTCMonth() + n)
  return d.getTime()
}

const WORLD: WorldInput = {
  ...DEMO_WORLD,
  offers: [
    ...DEMO_WORLD.offers!,
    { id: 'offer-contract-monthly', product: 'demo-contract', durationMonths: 1, entitlements: { admin_seats: 5, tier: 'standard' } },
    { id: 'offer-contract-renewing', product: 'demo-contract', durationMonths: 1, autoRenew: true, entitlements: { admin_seats: 5 } },
    {
      id: 'offer-contract-private',
      product: 'demo-contract',
      visibility: 'private',
      buyers: ['555555555555'],
      entitlements: { admin_seats: 50 },
    },
  ],
}

// The lifecycle is where the world and the outbox change together: it runs on both stores.
describeEachStore('the subscription lifecycle (admin API, the virtual clock, the real SDKs)', (kind) => {
  let meterd: TestMeterd
  let admin: AdminClient
  let entitlements: MarketplaceEntitlementServiceClient

  before(async () => {
    meterd = await startMeterd({ world: WORLD, nowMs: T, store: kind })
    admin = new AdminClient({ url: meterd.server.adminUrl, token: meterd.server.adminToken })
    entitlements = new MarketplaceEntitlementServiceClient({
      endpoint: meterd.url,
      region: 'us-east-1',
      credentials: SELLER,
      maxAttempts: 1,
    })
  })
  after(async () => {
    entitlements.destroy()
    await meterd.close()
  })

  /** Sets meterd's clock (frozen), applying what falls due on the way. */
  const at = (ms: number) => admin.freezeClock(iso(ms))
  const eventsOf = async (accountId: string): Promise<string[]> =>
    (await admin.listEvents({ accountId })).events.map((e: LifecycleEventView) => `${e.at} ${e.type}${e.status ? ` ${e.status}` : ''}`)
  const seats = async (accountId: string) =>
    (
      await entitlements.send(
        new GetEntitlementsCommand({ ProductCode: 'demo-contract', Filter: { CUSTOMER_AWS_ACCOUNT_ID: [accountId] } }),
      )
    ).Entitlements!.map((e) => [e.Dimension, Object.values(e.Value!)[0], e.ExpirationDate?.toISOString()])
  const usageStatus = async (accountId: string, timestampMs: number, dimension = 'users') => {
    const out = await meterd.client(SELLER).send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp: new Date(timestampMs), CustomerAWSAccountId: accountId, Dimension: dimension, Quantity: 1 }],
      }),
    )
    return out.Results![0]!.Status
  }

  it('subscribe → ResolveCustomer → GetEntitlements: the contract as bought, and its events', async () => {
    await at(T)
    const sub = await admin.subscribe({
      productCode: 'demo-contract',
      accountId: '444444444401',
      offerId: 'offer-contract-monthly',
      contract: { admin_seats: 10, tier: 'gold' },
      months: 12,
    })
    const resolved = await meterd.client(SELLER).send(new ResolveCustomerCommand({ RegistrationToken: sub.registrationToken }))
    assert.deepEqual(
      [resolved.CustomerAWSAccountId, resolved.ProductCode, resolved.LicenseArn],
      ['444444444401', 'demo-contract', sub.licenseArn],
    )
    assert.deepEqual(await seats('444444444401'), [
      ['admin_seats', 10, iso(plusMonths(T, 12))],
      ['tier', 'gold', iso(plusMonths(T, 12))],
    ])
    assert.deepEqual(await eventsOf('444444444401'), [
      `${iso(T)} subscribe-success active`,
      `${iso(T)} agreement-created active`,
      `${iso(T)} license-updated active`,
      `${iso(T)} entitlement-updated active`,
    ])
    const [event] = (await admin.listEvents({ accountId: '444444444401', type: 'subscribe-success' })).events
    assert.deepEqual(
      { ...event, worldVersion: undefined, position: undefined },
      {
        type: 'subscribe-success',
        at: iso(T),
        productCode: 'demo-contract',
        sellerAccountId: '111111111111',
        accountId: '444444444401',
        customerIdentifier: sub.customerIdentifier,
        offerId: 'offer-contract-monthly',
        agreementId: sub.agreementId,
        licenseArn: sub.licenseArn,
        freeTrial: false,
        intent: 'new',
        status: 'active',
        start: iso(T),
        end: iso(plusMonths(T, 12)),
        acceptedAt: iso(T),
        previousAgreementId: null,
        worldVersion: undefined,
        position: undefined,
        triggered: false,
        deliveries: [], // no notification targets in this world
      },
    )
  })

  it('an upgrade amends the agreement: a new version with the new quantities, GetEntitlements shows them', async () => {
    await at(T + HOUR)
    const [agreement] = (await admin.listAgreements({ accountId: '444444444401' })).agreements
    const amended = await admin.amendAgreement(agreement!.agreementId, { admin_seats: 25 })
    assert.deepEqual(
      amended.versions!.map((v) => [v.version, v.intent, v.entitlements]),
      [
        [1, 'new', { admin_seats: 10, tier: 'gold' }],
        [2, 'amend', { admin_seats: 25, tier: 'gold' }],
      ],
    )
    assert.deepEqual(
      (await seats('444444444401')).map(([d, v]) => [d, v]),
      [
        ['admin_seats', 25],
        ['tier', 'gold'],
      ],
    )
    assert.deepEqual((await eventsOf('444444444401')).slice(4), [
      `${iso(T + HOUR)} agreement-amended active`,
      `${iso(T + HOUR)} license-updated active`,
      `${iso(T + HOUR)} entitlement-updated active`,
    ])
  })

  it('unsubscribe: final metering accepted inside the hour for earlier usage, refused after it and for later usage', async () => {
    await at(T)
    await admin.subscribe({ productCode: 'demo-saas', accountId: '444444444402' })
    await at(T + 2 * HOUR)
    const { agreement } = await admin.unsubscribe({ productCode: 'demo-saas', accountId: '444444444402' })
    assert.deepEqual([agreement.status, agreement.endingAs], ['unsubscribe-pending', 'cancelled'])
    await at(T + 2 * HOUR + 50 * MINUTE)
    assert.equal(await usageStatus('444444444402', T + HOUR), 'Success', 'final metering for usage before the unsubscribe')
    assert.equal(await usageStatus('444444444402', T + 2 * HOUR + 10 * MINUTE), 'CustomerNotSubscribed', 'usage after the unsubscribe')
    await at(T + 3 * HOUR)
    assert.equal(await usageStatus('444444444402', T + HOUR + 30 * MINUTE, 'api_calls'), 'CustomerNotSubscribed', 'the hour is over')
    assert.deepEqual(await eventsOf('444444444402'), [
      `${iso(T)} subscribe-success active`,
      `${iso(T)} agreement-created active`,
      `${iso(T)} license-updated active`,
      `${iso(T + 2 * HOUR)} unsubscribe-pending unsubscribe-pending`,
      `${iso(T + 2 * HOUR)} agreement-ended cancelled`,
      `${iso(T + 2 * HOUR)} license-deprovisioned unsubscribe-pending`,
      `${iso(T + 3 * HOUR)} unsubscribe-success cancelled`,
    ])
    const [after] = (await admin.listAgreements({ accountId: '444444444402' })).agreements
    assert.equal(after!.status, 'cancelled')
  })

  it('resubscribing inside the unsubscribe-pending hour cancels it: subscribe-success, no unsubscribe-success', async () => {
    await at(T)
    const first = await admin.subscribe({ productCode: 'demo-saas', accountId: '444444444403' })
    await at(T + HOUR)
    await admin.unsubscribe({ productCode: 'demo-saas', accountId: '444444444403' })
    await at(T + HOUR + 20 * MINUTE)
    const second = await admin.subscribe({ productCode: 'demo-saas', accountId: '444444444403' })
    assert.notEqual(second.agreementId, first.agreementId)
    assert.equal(second.customerIdentifier, first.customerIdentifier)
    await at(T + 3 * HOUR)
    const types = (await eventsOf('444444444403')).map((e) => e.split(' ')[1])
    assert.deepEqual(types, [
      'subscribe-success',
      'agreement-created',
      'license-updated',
      'unsubscribe-pending',
      'agreement-ended',
      'license-deprovisioned',
      'subscribe-success',
      'agreement-created',
      'license-updated',
    ])
    assert.equal(await usageStatus('444444444403', T + 2 * HOUR + 30 * MINUTE), 'Success', 'the new subscription bills')
    const statuses = (await admin.listAgreements({ accountId: '444444444403' })).agreements.map((a) => a.status)
    assert.deepEqual(statuses, ['cancelled', 'active'])
  })

  it('a contract that does not renew expires at its end: unsubscribe-pending, then unsubscribe-success; its entitlements drop out', async () => {
    await at(T)
    await admin.subscribe({ productCode: 'demo-contract', accountId: '444444444404', offerId: 'offer-contract-monthly' })
    const end = plusMonths(T, 1)
    assert.deepEqual(await seats('444444444404'), [
      ['admin_seats', 5, iso(end)],
      ['tier', 'standard', iso(end)],
    ])
    await at(end + 2 * HOUR)
    assert.deepEqual(await seats('444444444404'), [])
    assert.deepEqual((await eventsOf('444444444404')).slice(4), [
      `${iso(end)} unsubscribe-pending unsubscribe-pending`,
      `${iso(end)} agreement-ended expired`,
      `${iso(end)} license-deprovisioned unsubscribe-pending`,
      `${iso(end)} entitlement-updated unsubscribe-pending`,
      `${iso(end + HOUR)} unsubscribe-success expired`,
    ])
  })

  it('an auto-renewing contract renews at each term end, in order: a new agreement (intent renew) on the same license', async () => {
    await at(T)
    const sub = await admin.subscribe({ productCode: 'demo-contract', accountId: '444444444405', offerId: 'offer-contract-renewing' })
    const ends = [1, 2, 3].map((n) => plusMonths(T, n))
    await at(ends[2]! - HOUR) // two renewals fall due
    assert.deepEqual(
      (await seats('444444444405')).map(([, , expires]) => expires),
      [iso(ends[2]!)],
    )
    const agreements = (await admin.listAgreements({ accountId: '444444444405' })).agreements
    assert.deepEqual(
      agreements.map((a) => [a.status, a.start, a.end, a.licenseArn]),
      [
        ['renewed', iso(T), iso(ends[0]!), sub.licenseArn],
        ['renewed', iso(ends[0]!), iso(ends[1]!), sub.licenseArn],
        ['active', iso(ends[1]!), iso(ends[2]!), sub.licenseArn],
      ],
    )
    const renewals = (await admin.listEvents({ accountId: '444444444405', type: 'agreement-created' })).events
    assert.deepEqual(
      renewals.map((e) => [e.at, e.intent, e.previousAgreementId]),
      [
        [iso(T), 'new', null],
        [iso(ends[0]!), 'renew', agreements[0]!.agreementId],
        [iso(ends[1]!), 'renew', agreements[1]!.agreementId],
      ],
    )
  })

  it('accepting another offer replaces the agreement (intent replace); a private offer is only for the accounts it names', async () => {
    await at(T)
    await admin.subscribe({ productCode: 'demo-contract', accountId: '555555555555', offerId: 'offer-contract-monthly' })
    await assertAdminError(
      () => admin.subscribe({ productCode: 'demo-contract', accountId: '444444444406', offerId: 'offer-contract-private' }),
      403,
      'OfferNotExtended',
      'the private offer offer-contract-private is not extended to account 444444444406',
    )
    const replacement = await admin.subscribe({
      productCode: 'demo-contract',
      accountId: '555555555555',
      offerId: 'offer-contract-private',
    })
    assert.deepEqual(await seats('555555555555'), [['admin_seats', 50, undefined]])
    const agreements = (await admin.listAgreements({ accountId: '555555555555' })).agreements
    assert.deepEqual(
      agreements.map((a) => [a.status, a.offerId]),
      [
        ['replaced', 'offer-contract-monthly'],
        ['active', 'offer-contract-private'],
      ],
    )
    assert.equal(replacement.licenseArn, agreements[0]!.licenseArn, 'the license carries over')
    assert.deepEqual((await eventsOf('555555555555')).slice(4), [
      `${iso(T)} agreement-ended replaced`,
      `${iso(T)} agreement-created active`,
      `${iso(T)} license-updated active`,
      `${iso(T)} entitlement-updated active`,
    ])
  })

  it('a failed payment: subscribe-fail, nothing bills, and the next subscribe completes the agreement', async () => {
    await at(T)
    const failed = await admin.subscribe({ productCode: 'demo-saas', accountId: '444444444407', paymentFails: true })
    assert.equal(failed.status, 'payment-failed')
    assert.equal(await usageStatus('444444444407', T - 10 * MINUTE), 'CustomerNotSubscribed')
    await at(T + HOUR)
    const paid = await admin.subscribe({ productCode: 'demo-saas', accountId: '444444444407' })
    assert.deepEqual([paid.status, paid.agreementId, paid.licenseArn], ['active', failed.agreementId, failed.licenseArn])
    assert.equal(await usageStatus('444444444407', T + HOUR + 10 * MINUTE), 'Success')
    assert.deepEqual(
      (await eventsOf('444444444407')).map((e) => e.split(' ')[1]),
      ['subscribe-fail', 'subscribe-success', 'agreement-created', 'license-updated'],
    )
  })

  it('answers bad lifecycle requests with clear errors and changes nothing', async () => {
    await at(T)
    const missing = 'agmt-doesnotexist'
    await assertAdminError(() => admin.agreement(missing), 404, 'NotFound', `no agreement ${missing}`)
    await assertAdminError(() => admin.renewAgreement(missing), 404, 'NotFound', `no agreement ${missing}`)
    await assertAdminError(
      () => admin.subscribe({ productCode: 'demo-contract', accountId: '444444444408', offerId: 'offer-nope' }),
      404,
      'NotFound',
      'no offer offer-nope for product demo-contract',
    )
    await assertAdminError(
      () => admin.subscribe({ productCode: 'demo-contract', accountId: '444444444408', contract: { admin_seats: 'ten' } }),
      400,
      'BadRequest',
      'admin_seats: must be an integer (32-bit), got "ten"',
    )
    await assertAdminError(
      () => admin.subscribe({ productCode: 'demo-contract', accountId: '444444444408', contract: { seats: 1 } }),
      400,
      'BadRequest',
      'demo-contract has no contract dimension seats (it has admin_seats, tier)',
    )
    const [cancelled] = (await admin.listAgreements({ accountId: '444444444402' })).agreements
    await assertAdminError(
      () => admin.amendAgreement(cancelled!.agreementId, { admin_seats: 1 }),
      409,
      'AgreementNotActive',
      `agreement ${cancelled!.agreementId} is cancelled, not active`,
    )
    const saas = (await admin.listAgreements({ accountId: '444444444403', status: 'active' })).agreements[0]!
    await assertAdminError(
      () => admin.amendAgreement(saas.agreementId, { users: 1 }),
      400,
      'BadRequest',
      'demo-saas is sold by usage; it has no contract to amend',
    )
    await assertAdminError(
      () => admin.listEvents({ type: 'subscribed' }),
      400,
      'BadRequest',
      'type: Invalid option: expected one of "subscribe-success"|"subscribe-fail"|"unsubscribe-pending"|"unsubscribe-success"|"entitlement-updated"|"agreement-created"|"agreement-amended"|"agreement-ended"|"license-updated"|"license-deprovisioned"',
    )
    await assertAdminError(() => admin.listEvents({ cursor: 'nope' }), 400, 'BadRequest', 'cursor: is not a cursor this API returned')
    assert.equal((await admin.listAgreements({ accountId: '444444444408' })).agreements.length, 0)
  })

  it('pages through the events with a cursor, in the order they happened', async () => {
    const all = (await admin.listEvents({ limit: 1000 })).events
    const paged: LifecycleEventView[] = []
    let cursor: string | null = null
    do {
      const page: { events: LifecycleEventView[]; nextCursor: string | null } = await admin.listEvents({
        limit: 7,
        ...(cursor ? { cursor } : {}),
      })
      paged.push(...page.events)
      cursor = page.nextCursor
    } while (cursor)
    assert.deepEqual(paged, all)
    assert.ok(all.length > 20)
  })
})
