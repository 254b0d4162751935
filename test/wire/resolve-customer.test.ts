import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import {
  BatchMeterUsageCommand,
  type BatchMeterUsageCommandOutput,
  type MarketplaceMeteringClient,
  ResolveCustomerCommand,
} from '@aws-sdk/client-marketplace-metering'
import { DEMO_WORLD } from '../../src/catalog/demo-world.js'
import type { WorldInput } from '../../src/catalog/world.js'
import { BUYER, errorOf, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'

const NOW = Date.UTC(2026, 10, 22, 12, 30)
const MINUTE = 60_000
const HOUR = 3_600_000
const NEW_BUYER = '333333333333'
const LICENSE_ARN = /^arn:aws:license-manager::333333333333:license\/l-[0-9a-f]{32}$/
const INVALID_TOKEN = 'Registration token is invalid.'
const EXPIRED_TOKEN =
  "The submitted registration token has expired. This can happen if the buyer's browser takes too long to redirect to your page, the buyer has resubmitted the registration token, or your application has held on to the registration token for too long."

const OTHER_SELLER = { accessKeyId: 'AKIAOTHERSELLER00001', secretAccessKey: 'other-seller' }

const WORLD: WorldInput = {
  ...DEMO_WORLD,
  accounts: [
    ...DEMO_WORLD.accounts!,
    { id: '444444444444', name: 'other seller', credentials: [{ ...OTHER_SELLER, region: 'us-east-1' }] },
  ],
  products: [
    ...DEMO_WORLD.products!,
    { code: 'legacy-saas', type: 'saas', seller: '111111111111', dimensions: ['users'], integration: 'legacy' },
    { code: 'other-saas', type: 'saas', seller: '444444444444', dimensions: ['users'] },
  ],
}

interface Subscribed {
  registrationToken: string
  customerIdentifier: string
  licenseArn: string
  tokenExpiresAt: string
  createdCustomer: boolean
  createdLicense: boolean
}

async function subscribe(meterd: TestMeterd, productCode: string, accountId: string): Promise<Subscribed> {
  const { status, body } = await meterd.admin('POST', '/subscriptions', { productCode, accountId })
  assert.equal(status, 201, JSON.stringify(body))
  return body
}

const resolve = (client: MarketplaceMeteringClient, RegistrationToken: string) =>
  client.send(new ResolveCustomerCommand({ RegistrationToken }))

/** The output without the SDK's $metadata, to compare members exactly. */
const members = (output: object): Record<string, unknown> => {
  const { $metadata: _, ...rest } = output as Record<string, unknown>
  return rest
}

describe('ResolveCustomer', () => {
  let meterd: TestMeterd
  let seller: MarketplaceMeteringClient
  before(async () => {
    meterd = await startMeterd({ world: WORLD })
    seller = meterd.client(SELLER)
  })
  after(() => meterd.close())

  it('resolves an admin subscription to the account, product and license, without CustomerIdentifier', async () => {
    const sub = await subscribe(meterd, 'demo-saas', NEW_BUYER)
    assert.match(sub.registrationToken, /^[A-Za-z0-9_-]{64}$/)
    assert.match(sub.licenseArn, LICENSE_ARN)
    assert.match(sub.customerIdentifier, /^[A-Za-z0-9]{11}$/)
    assert.equal(sub.createdCustomer, true)
    assert.equal(sub.createdLicense, true)
    const out = await resolve(seller, sub.registrationToken)
    assert.equal(out.$metadata.httpStatusCode, 200)
    assert.deepEqual(members(out), { CustomerAWSAccountId: NEW_BUYER, ProductCode: 'demo-saas', LicenseArn: sub.licenseArn })
    assert.equal(out.CustomerIdentifier, undefined)
  })

  it('answers the same values when the token is resolved again', async () => {
    const sub = await subscribe(meterd, 'demo-saas', '333333333334')
    const first = await resolve(seller, sub.registrationToken)
    const second = await resolve(seller, sub.registrationToken)
    assert.deepEqual(members(second), members(first))
    assert.deepEqual(members(second), { CustomerAWSAccountId: '333333333334', ProductCode: 'demo-saas', LicenseArn: sub.licenseArn })
  })

  it("returns CustomerIdentifier, equal to the admin's customerIdentifier, for a legacy integration", async () => {
    const sub = await subscribe(meterd, 'legacy-saas', NEW_BUYER)
    const out = await resolve(seller, sub.registrationToken)
    assert.deepEqual(members(out), {
      CustomerIdentifier: sub.customerIdentifier,
      CustomerAWSAccountId: NEW_BUYER,
      ProductCode: 'legacy-saas',
      LicenseArn: sub.licenseArn,
    })
  })

  it('answers InvalidTokenException to unknown, malformed and forged tokens', async () => {
    const real = (await subscribe(meterd, 'demo-saas', '333333333335')).registrationToken
    const tampered = real.slice(0, -1) + (real.endsWith('A') ? 'B' : 'A')
    for (const token of ['A'.repeat(64), 'abc', randomBytes(48).toString('base64url'), tampered, `${real}=`, ` ${real}`]) {
      const e = await errorOf(() => resolve(seller, token))
      assert.equal(e.name, 'InvalidTokenException', token)
      assert.equal(e.message, INVALID_TOKEN)
      assert.equal(e.$metadata?.httpStatusCode, 400)
    }
  })

  it('answers InvalidTokenException when the buyer or another seller resolves the token', async () => {
    const sub = await subscribe(meterd, 'demo-saas', '333333333336')
    for (const credentials of [BUYER, OTHER_SELLER]) {
      const e = await errorOf(() => resolve(meterd.client(credentials), sub.registrationToken))
      assert.equal(e.name, 'InvalidTokenException', credentials.accessKeyId)
      assert.equal(e.message, INVALID_TOKEN)
    }
    // The refusals did not burn the token for its publisher.
    assert.equal((await resolve(seller, sub.registrationToken)).CustomerAWSAccountId, '333333333336')
  })

  it('lets the other seller resolve tokens of its own product only', async () => {
    const sub = await subscribe(meterd, 'other-saas', NEW_BUYER)
    const out = await resolve(meterd.client(OTHER_SELLER), sub.registrationToken)
    assert.deepEqual(members(out), { CustomerAWSAccountId: NEW_BUYER, ProductCode: 'other-saas', LicenseArn: sub.licenseArn })
    const e = await errorOf(() => resolve(seller, sub.registrationToken))
    assert.equal(e.name, 'InvalidTokenException')
  })

  it('answers ValidationException to an empty token', async () => {
    const e = await errorOf(() => resolve(seller, ''))
    assert.equal(e.name, 'ValidationException')
    assert.equal(
      e.message,
      "1 validation error detected: Value '' at 'registrationToken' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\s\\S]+$",
    )
  })

  it('keeps tokens across a restart: a new client resolves a token minted before it', async () => {
    const sub = await subscribe(meterd, 'demo-saas', '333333333337')
    await meterd.restart()
    seller = meterd.client(SELLER) // the old client's kept-alive socket died with the old server
    const out = await resolve(seller, sub.registrationToken)
    assert.deepEqual(members(out), { CustomerAWSAccountId: '333333333337', ProductCode: 'demo-saas', LicenseArn: sub.licenseArn })
  })
})

describe('ResolveCustomer token TTL (clock pinned)', () => {
  const TTL = HOUR
  let meterd: TestMeterd
  let seller: MarketplaceMeteringClient
  before(async () => {
    meterd = await startMeterd({ nowMs: NOW, registrationTokenTtlMs: TTL })
    seller = meterd.client(SELLER)
  })
  after(() => meterd.close())

  it('reports tokenExpiresAt = subscription time + the configured TTL', async () => {
    meterd.clock!.set(NOW)
    const sub = await subscribe(meterd, 'demo-saas', NEW_BUYER)
    assert.equal(sub.tokenExpiresAt, new Date(NOW + TTL).toISOString())
  })

  it('resolves 1 ms before the TTL and answers ExpiredTokenException at it and after', async () => {
    meterd.clock!.set(NOW)
    const sub = await subscribe(meterd, 'demo-saas', '333333333338')
    meterd.clock!.advance(TTL - 1)
    assert.equal((await resolve(seller, sub.registrationToken)).CustomerAWSAccountId, '333333333338')
    meterd.clock!.advance(1)
    const atTtl = await errorOf(() => resolve(seller, sub.registrationToken))
    assert.equal(atTtl.name, 'ExpiredTokenException')
    assert.equal(atTtl.message, EXPIRED_TOKEN)
    assert.equal(atTtl.$metadata?.httpStatusCode, 400)
    meterd.clock!.advance(3 * HOUR)
    const later = await errorOf(() => resolve(seller, sub.registrationToken))
    assert.equal(later.name, 'ExpiredTokenException')
  })

  it('still answers InvalidTokenException (not Expired) to the buyer once the token expired', async () => {
    meterd.clock!.set(NOW)
    const sub = await subscribe(meterd, 'demo-saas', '333333333339')
    meterd.clock!.advance(TTL + MINUTE)
    const e = await errorOf(() => resolve(meterd.client(BUYER), sub.registrationToken))
    assert.equal(e.name, 'InvalidTokenException')
  })

  it('gives a resubscription a fresh token with a fresh TTL', async () => {
    meterd.clock!.set(NOW)
    const first = await subscribe(meterd, 'demo-saas', '333333333340')
    meterd.clock!.advance(TTL)
    const second = await subscribe(meterd, 'demo-saas', '333333333340')
    assert.notEqual(second.registrationToken, first.registrationToken)
    assert.equal(second.licenseArn, first.licenseArn)
    assert.equal((await errorOf(() => resolve(seller, first.registrationToken))).name, 'ExpiredTokenException')
    assert.deepEqual(members(await resolve(seller, second.registrationToken)), {
      CustomerAWSAccountId: '333333333340',
      ProductCode: 'demo-saas',
      LicenseArn: first.licenseArn,
    })
  })
})

describe('Subscribing makes BatchMeterUsage bill the new customer (clock pinned)', () => {
  const T = NOW // 12:30 UTC
  let meterd: TestMeterd
  let seller: MarketplaceMeteringClient
  let licenseArn: string
  const at = (offsetMs: number) => new Date(T + offsetMs)
  const byAccount = (Timestamp: Date, Dimension = 'users'): Promise<BatchMeterUsageCommandOutput> =>
    seller.send(
      new BatchMeterUsageCommand({
        ProductCode: 'demo-saas',
        UsageRecords: [{ Timestamp, CustomerAWSAccountId: NEW_BUYER, Dimension, Quantity: 2 }],
      }),
    )
  const byLicense = (Timestamp: Date, Dimension = 'api_calls'): Promise<BatchMeterUsageCommandOutput> =>
    seller.send(
      new BatchMeterUsageCommand({
        UsageRecords: [{ Timestamp, CustomerAWSAccountId: NEW_BUYER, LicenseArn: licenseArn, Dimension, Quantity: 3 }],
      }),
    )
  const status = (out: BatchMeterUsageCommandOutput) => out.Results!.map((r) => r.Status)

  before(async () => {
    meterd = await startMeterd({ nowMs: T })
    seller = meterd.client(SELLER)
  })
  after(() => meterd.close())

  it('before subscribing, the account is CustomerNotSubscribed', async () => {
    assert.deepEqual(status(await byAccount(at(-20 * MINUTE))), ['CustomerNotSubscribed'])
  })

  it('after subscribing, records by CustomerAWSAccountId and by LicenseArn are Success', async () => {
    const sub = await subscribe(meterd, 'demo-saas', NEW_BUYER)
    licenseArn = sub.licenseArn
    meterd.clock!.set(T + 30 * MINUTE)
    const viaAccount = await byAccount(at(10 * MINUTE))
    assert.deepEqual(status(viaAccount), ['Success'])
    assert.deepEqual(viaAccount.Results![0]!.UsageRecord, {
      Timestamp: at(10 * MINUTE),
      CustomerAWSAccountId: NEW_BUYER,
      Dimension: 'users',
      Quantity: 2,
    })
    const viaLicense = await byLicense(at(15 * MINUTE))
    assert.deepEqual(status(viaLicense), ['Success'])
    assert.equal(viaLicense.Results![0]!.UsageRecord!.LicenseArn, licenseArn)
  })

  it('after unsubscribing at T+2h, later hours are CustomerNotSubscribed, earlier ones Success until the final-metering hour ends', async () => {
    meterd.clock!.set(T + 2 * HOUR)
    const ended = await meterd.admin('POST', '/unsubscribe', { productCode: 'demo-saas', accountId: NEW_BUYER })
    assert.equal(ended.status, 200)
    assert.deepEqual(ended.body.endedLicenses, [{ licenseArn, end: new Date(T + 2 * HOUR).toISOString() }])
    meterd.clock!.set(T + 2 * HOUR + 50 * MINUTE)
    assert.deepEqual(status(await byAccount(at(2 * HOUR + 15 * MINUTE))), ['CustomerNotSubscribed'])
    assert.deepEqual(status(await byLicense(at(2 * HOUR + 15 * MINUTE))), ['CustomerNotSubscribed'])
    assert.deepEqual(status(await byAccount(at(1 * HOUR))), ['Success'])
    assert.deepEqual(status(await byLicense(at(1 * HOUR + 5 * MINUTE))), ['Success'])
    // Slots not used yet (a retry of an earlier record would be answered as that record was).
    meterd.clock!.set(T + 3 * HOUR)
    assert.deepEqual(status(await byAccount(at(1 * HOUR + 10 * MINUTE), 'api_calls')), ['CustomerNotSubscribed'])
    assert.deepEqual(status(await byLicense(at(1 * HOUR + 15 * MINUTE), 'users')), ['CustomerNotSubscribed'])
  })
})
