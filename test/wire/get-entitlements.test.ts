import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  GetEntitlementsCommand,
  type GetEntitlementsCommandInput,
  type GetEntitlementsCommandOutput,
  MarketplaceEntitlementServiceClient,
} from '@aws-sdk/client-marketplace-entitlement-service'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { decode, encode } from 'cbor2'
import { DEMO_LICENSE_ARN, DEMO_WORLD } from '../../src/catalog/demo-world.js'
import type { WorldInput } from '../../src/catalog/world.js'
import { errorOf, MID_MONTH_MS, SELLER, startMeterd, type TestMeterd } from '../helpers/meterd.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const OTHER_SELLER = { accessKeyId: 'AKIAOTHERSELLER00001', secretAccessKey: 'other-seller-secret' }
const T = MID_MONTH_MS
const iso = (ms: number) => new Date(ms).toISOString()
const licenseOf = (account: string) => `arn:aws:license-manager::${account}:license/l-${account}`

// The demo world, plus a legacy contract-with-consumption product with every value type and three
// buyers, a contract that expires in a day, one that renews itself in a day, and another seller.
const agreement = (
  id: string,
  account: string,
  acceptedAt: number,
  entitlements: Record<string, number | boolean | string>,
  end: number | null,
  autoRenew = false,
) => ({
  id,
  product: 'legacy-contract',
  accountId: account,
  customer: `cust-${account}`,
  licenseArn: licenseOf(account),
  acceptedAt: iso(acceptedAt),
  versions: [
    {
      version: 1,
      intent: 'new' as const,
      status: 'active' as const,
      at: iso(acceptedAt),
      start: iso(acceptedAt),
      end: end === null ? null : iso(end),
      autoRenew,
      entitlements,
    },
  ],
})
const BUYERS = ['444444444441', '444444444442', '444444444443', '444444444444']
const WORLD: WorldInput = {
  ...DEMO_WORLD,
  // A copy: the SDK marks the credential objects it is given.
  accounts: [...DEMO_WORLD.accounts!, { id: '333333333333', credentials: [{ ...OTHER_SELLER }] }],
  products: [
    ...DEMO_WORLD.products!,
    {
      code: 'legacy-contract',
      type: 'saas',
      seller: '111111111111',
      pricing: 'contract-with-consumption',
      integration: 'legacy',
      dimensions: ['overage'],
      contractDimensions: [
        { name: 'seats', type: 'integer' },
        { name: 'ratio', type: 'double' },
        { name: 'sso', type: 'boolean' },
        { name: 'tier', type: 'string' },
      ],
    },
    {
      code: 'others-contract',
      type: 'saas',
      seller: '333333333333',
      pricing: 'contract',
      contractDimensions: [{ name: 'seats', type: 'integer' }],
    },
  ],
  customers: [...DEMO_WORLD.customers!, ...BUYERS.map((account) => ({ identifier: `cust-${account}`, accountId: account }))],
  licenses: [
    ...DEMO_WORLD.licenses!,
    ...BUYERS.map((account) => ({
      arn: licenseOf(account),
      customer: `cust-${account}`,
      product: 'legacy-contract',
      start: iso(T - 30 * DAY),
    })),
  ],
  offers: [...DEMO_WORLD.offers!, { id: 'offer-legacy-contract', product: 'legacy-contract', durationMonths: 1, autoRenew: true }],
  agreements: [
    ...DEMO_WORLD.agreements!,
    agreement('agmt-b1', BUYERS[0]!, T - 30 * DAY, { seats: 10, ratio: 0.5, sso: true, tier: 'gold' }, T + 300 * DAY),
    agreement('agmt-b2', BUYERS[1]!, T - 20 * DAY, { seats: 3, tier: 'silver' }, T + DAY), // expires tomorrow
    { ...agreement('agmt-b3', BUYERS[2]!, T - 10 * DAY, { seats: 7 }, T + DAY, true), offer: 'offer-legacy-contract' }, // renews tomorrow
    {
      ...agreement('agmt-b4', BUYERS[3]!, T - 5 * DAY, { seats: 1 }, null),
      versions: [
        {
          version: 1,
          intent: 'new',
          status: 'active',
          at: iso(T - 5 * DAY),
          start: iso(T - 5 * DAY),
          end: null,
          entitlements: { seats: 1 },
        },
        {
          version: 2,
          intent: 'new' as const,
          status: 'unsubscribe-pending' as const,
          endingAs: 'cancelled' as const,
          at: iso(T - HOUR / 2),
          start: iso(T - 5 * DAY),
          end: iso(T - HOUR / 2),
          entitlements: { seats: 1 },
        },
      ],
    },
  ],
}

describe('GetEntitlements (AWS JSON 1.1, the JS SDK)', () => {
  let meterd: TestMeterd
  let client: MarketplaceEntitlementServiceClient
  let others: MarketplaceEntitlementServiceClient
  const get = (input: GetEntitlementsCommandInput, c = client) => c.send(new GetEntitlementsCommand(input))
  const rows = (out: GetEntitlementsCommandOutput) =>
    (out.Entitlements ?? []).map((e) => [e.CustomerAWSAccountId, e.Dimension, Object.values(e.Value ?? {})[0]])
  const failure = async (input: GetEntitlementsCommandInput) => {
    const e = await errorOf(() => get(input))
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode }
  }

  before(async () => {
    meterd = await startMeterd({ world: WORLD, nowMs: T })
    const make = (credentials: typeof SELLER) =>
      new MarketplaceEntitlementServiceClient({ endpoint: meterd.url, region: 'us-east-1', credentials, maxAttempts: 1 })
    client = make(SELLER)
    others = make(OTHER_SELLER)
  })
  after(async () => {
    client.destroy()
    others.destroy()
    await meterd.close()
  })

  describe('validation: InvalidParameterException, as the service models', () => {
    it('names each constraint of the model the request breaks', async () => {
      assert.deepEqual(await failure({ ProductCode: '' }), {
        name: 'InvalidParameterException',
        status: 400,
        message:
          "1 validation error detected: Value '' at 'productCode' failed to satisfy constraint: Member must have length greater than or equal to 1",
      })
      assert.deepEqual(await failure({ ProductCode: 'x'.repeat(256), MaxResults: 26 }), {
        name: 'InvalidParameterException',
        status: 400,
        message: `2 validation errors detected: Value '${'x'.repeat(256)}' at 'productCode' failed to satisfy constraint: Member must have length less than or equal to 255; Value '26' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25`,
      })
      assert.equal(
        (await failure({ ProductCode: 'demo-contract', MaxResults: 0 })).message,
        "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
      )
      assert.equal(
        (await failure({ ProductCode: 'demo-contract', NextToken: '   ' })).message,
        "1 validation error detected: Value '   ' at 'nextToken' failed to satisfy constraint: Member must satisfy regular expression pattern: \\S+",
      )
    })

    it('takes only the four filter names, each with at least one value', async () => {
      assert.equal(
        (await failure({ ProductCode: 'demo-contract', Filter: { CUSTOMER_NAME: ['x'] } as never })).message,
        "1 validation error detected: Value 'CUSTOMER_NAME' at 'filter' failed to satisfy constraint: Map keys must satisfy constraint: [Member must satisfy enum value set: [CUSTOMER_IDENTIFIER, DIMENSION, CUSTOMER_AWS_ACCOUNT_ID, LICENSE_ARN]]",
      )
      assert.equal(
        (await failure({ ProductCode: 'demo-contract', Filter: { DIMENSION: [] } })).message,
        "1 validation error detected: Value '[]' at 'filter.DIMENSION' failed to satisfy constraint: Member must have length greater than or equal to 1",
      )
    })

    it('refuses CUSTOMER_IDENTIFIER together with CUSTOMER_AWS_ACCOUNT_ID', async () => {
      assert.deepEqual(
        await failure({ ProductCode: 'demo-contract', Filter: { CUSTOMER_IDENTIFIER: ['a'], CUSTOMER_AWS_ACCOUNT_ID: ['1'] } }),
        {
          name: 'InvalidParameterException',
          status: 400,
          message: 'CUSTOMER_IDENTIFIER and CUSTOMER_AWS_ACCOUNT_ID are mutually exclusive; filter by one of them.',
        },
      )
    })

    it("answers a product the caller does not publish, or none, with InvalidParameterException (only the seller reads a product's entitlements)", async () => {
      assert.deepEqual(await failure({ ProductCode: 'others-contract' }), {
        name: 'InvalidParameterException',
        status: 400,
        message: 'The product code others-contract does not match a product you publish.',
      })
      assert.equal(
        (await failure({ ProductCode: 'no-such-product' })).message,
        'The product code no-such-product does not match a product you publish.',
      )
      assert.deepEqual(rows(await get({ ProductCode: 'others-contract' }, others)), [])
    })

    it('refuses a NextToken it did not give, or gave for another product', async () => {
      const message = 'The NextToken is not one that GetEntitlements returned for this product.'
      assert.equal((await failure({ ProductCode: 'demo-contract', NextToken: 'garbage' })).message, message)
      const page = await get({ ProductCode: 'legacy-contract', MaxResults: 1 })
      assert.equal((await failure({ ProductCode: 'demo-contract', NextToken: page.NextToken! })).message, message)
    })
  })

  describe('behaviour', () => {
    it("gives each contract dimension of each agreement that holds, typed, with the term's end and the license", async () => {
      const out = await get({ ProductCode: 'demo-contract' })
      assert.deepEqual(out.Entitlements, [
        {
          ProductCode: 'demo-contract',
          Dimension: 'admin_seats',
          CustomerAWSAccountId: '222222222222',
          Value: { IntegerValue: 25 },
          ExpirationDate: new Date('2036-01-01T00:00:00Z'),
          LicenseArn: DEMO_LICENSE_ARN,
        },
        {
          ProductCode: 'demo-contract',
          Dimension: 'tier',
          CustomerAWSAccountId: '222222222222',
          Value: { StringValue: 'gold' },
          ExpirationDate: new Date('2036-01-01T00:00:00Z'),
          LicenseArn: DEMO_LICENSE_ARN,
        },
      ])
      assert.equal(out.NextToken, undefined)
    })

    it('adds CustomerIdentifier for legacy integrations, and every value type; an unsubscribed agreement has none', async () => {
      const out = await get({ ProductCode: 'legacy-contract', Filter: { CUSTOMER_AWS_ACCOUNT_ID: [BUYERS[0]!] } })
      assert.deepEqual(
        out.Entitlements!.map((e) => [e.Dimension, e.Value, e.CustomerIdentifier]),
        [
          ['seats', { IntegerValue: 10 }, 'cust-444444444441'],
          ['ratio', { DoubleValue: 0.5 }, 'cust-444444444441'],
          ['sso', { BooleanValue: true }, 'cust-444444444441'],
          ['tier', { StringValue: 'gold' }, 'cust-444444444441'],
        ],
      )
      assert.deepEqual(rows(await get({ ProductCode: 'legacy-contract', Filter: { CUSTOMER_AWS_ACCOUNT_ID: [BUYERS[3]!] } })), [])
    })

    it('unions the values of one filter name and intersects the names', async () => {
      assert.deepEqual(rows(await get({ ProductCode: 'legacy-contract', Filter: { DIMENSION: ['tier'] } })), [
        [BUYERS[0], 'tier', 'gold'],
        [BUYERS[1], 'tier', 'silver'],
      ])
      assert.deepEqual(
        rows(
          await get({
            ProductCode: 'legacy-contract',
            Filter: { DIMENSION: ['tier', 'seats'], CUSTOMER_IDENTIFIER: ['cust-444444444442', 'cust-444444444443'] },
          }),
        ),
        [
          [BUYERS[1], 'seats', 3],
          [BUYERS[1], 'tier', 'silver'],
          [BUYERS[2], 'seats', 7],
        ],
      )
      assert.deepEqual(
        rows(await get({ ProductCode: 'legacy-contract', Filter: { LICENSE_ARN: [licenseOf(BUYERS[2]!)], DIMENSION: ['seats'] } })),
        [[BUYERS[2], 'seats', 7]],
      )
    })

    it('pages with MaxResults and NextToken in a stable order; the pages add up to the whole list', async () => {
      const whole = rows(await get({ ProductCode: 'legacy-contract' }))
      assert.equal(whole.length, 7)
      const pages: unknown[][] = []
      let token: string | undefined
      do {
        const page = await get({ ProductCode: 'legacy-contract', MaxResults: 3, ...(token ? { NextToken: token } : {}) })
        pages.push(rows(page))
        token = page.NextToken
      } while (token)
      assert.deepEqual(
        pages.map((p) => p.length),
        [3, 3, 1],
      )
      assert.deepEqual(pages.flat(), whole)
    })

    it('follows the virtual clock: an expired contract drops out, a renewal moves ExpirationDate a term on', async () => {
      const expiration = async (account: string) =>
        (
          await get({ ProductCode: 'legacy-contract', Filter: { CUSTOMER_AWS_ACCOUNT_ID: [account], DIMENSION: ['seats'] } })
        ).Entitlements!.map((e) => e.ExpirationDate?.toISOString())
      assert.deepEqual(await expiration(BUYERS[1]!), [iso(T + DAY)])
      assert.deepEqual(await expiration(BUYERS[2]!), [iso(T + DAY)])
      await meterd.admin('POST', '/clock/freeze', { at: iso(T + DAY + HOUR) })
      try {
        assert.deepEqual(await expiration(BUYERS[1]!), [], 'expired')
        const renewedUntil = new Date(T + DAY)
        renewedUntil.setUTCMonth(renewedUntil.getUTCMonth() + 1)
        assert.deepEqual(await expiration(BUYERS[2]!), [renewedUntil.toISOString()], "renewed for the offer's one month")
      } finally {
        await meterd.admin('POST', '/clock/freeze', { at: iso(T) })
      }
    })

    it('fault rules: an answer without Entitlements, an empty page that carries a NextToken, throttling', async () => {
      const omitted = await meterd.admin('POST', '/faults', { operation: 'GetEntitlements', entitlementsAnswer: 'omitted', times: 1 })
      assert.equal(omitted.status, 201)
      const bare = await get({ ProductCode: 'demo-contract' })
      assert.equal(bare.Entitlements, undefined)
      assert.equal(bare.NextToken, undefined)

      await meterd.admin('POST', '/faults', { operation: 'GetEntitlements', entitlementsAnswer: 'empty-page', times: 1 })
      const empty = await get({ ProductCode: 'demo-contract' })
      assert.deepEqual(empty.Entitlements, [])
      assert.equal(typeof empty.NextToken, 'string')
      assert.deepEqual(rows(await get({ ProductCode: 'demo-contract', NextToken: empty.NextToken! })), [
        ['222222222222', 'admin_seats', 25],
        ['222222222222', 'tier', 'gold'],
      ])

      await meterd.admin('POST', '/faults', { operation: 'GetEntitlements', error: 'ThrottlingException', times: 1 })
      const throttled = await errorOf(() => get({ ProductCode: 'demo-contract' }))
      assert.deepEqual([throttled.name, throttled.$metadata?.httpStatusCode], ['ThrottlingException', 400])
    })
  })
})

describe('GetEntitlements over Smithy RPC v2 CBOR (the Go SDK v2 framing)', () => {
  let meterd: TestMeterd
  before(async () => {
    meterd = await startMeterd({ world: WORLD, nowMs: T })
  })
  after(() => meterd.close())

  /** POST /service/<service>/operation/<operation> with a CBOR body, signed as the SDKs sign it. */
  const cborCall = async (path: string, input: unknown, headers: Record<string, string> = { 'smithy-protocol': 'rpc-v2-cbor' }) => {
    const endpoint = new URL(meterd.url)
    const body = Buffer.from(encode(input))
    const signer = new SignatureV4({
      credentials: SELLER,
      region: 'us-east-1',
      service: 'aws-marketplace',
      sha256: Hash.bind(null, 'sha256'),
    })
    const signed = await signer.sign({
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: Number(endpoint.port),
      path,
      query: {},
      headers: { host: endpoint.host, 'content-type': 'application/cbor', accept: 'application/cbor', ...headers },
      body,
    })
    const { host: _host, ...sent } = signed.headers
    const response = await fetch(`${meterd.url}${path}`, { method: 'POST', headers: sent, body })
    return { response, body: decode<Record<string, unknown>>(new Uint8Array(await response.arrayBuffer())) }
  }
  const OPERATION = '/service/AWSMPEntitlementService/operation/GetEntitlements'

  it('answers in CBOR with the smithy-protocol header, ExpirationDate as an epoch-seconds timestamp (tag 1)', async () => {
    const { response, body } = await cborCall(OPERATION, { ProductCode: 'demo-contract', MaxResults: 1 })
    assert.equal(response.status, 200)
    assert.equal(response.headers.get('content-type'), 'application/cbor')
    assert.equal(response.headers.get('smithy-protocol'), 'rpc-v2-cbor')
    const [first] = body.Entitlements as Record<string, unknown>[]
    assert.deepEqual(first, {
      ProductCode: 'demo-contract',
      Dimension: 'admin_seats',
      CustomerAWSAccountId: '222222222222',
      Value: { IntegerValue: 25 },
      ExpirationDate: new Date('2036-01-01T00:00:00Z'),
      LicenseArn: DEMO_LICENSE_ARN,
    })
    const next = await cborCall(OPERATION, { ProductCode: 'demo-contract', NextToken: body.NextToken })
    assert.deepEqual(
      (next.body.Entitlements as { Dimension: string }[]).map((e) => e.Dimension),
      ['tier'],
    )
  })

  it('answers errors as a CBOR map whose __type names the shape with its namespace', async () => {
    const { response, body } = await cborCall(OPERATION, { ProductCode: 'demo-contract', MaxResults: 99 })
    assert.equal(response.status, 400)
    assert.equal(response.headers.get('smithy-protocol'), 'rpc-v2-cbor')
    assert.deepEqual(body, {
      __type: 'com.amazonaws.marketplaceentitlementservice#InvalidParameterException',
      message:
        "1 validation error detected: Value '99' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 25",
    })
  })

  it('answers an unknown operation with 404 and a request without the smithy-protocol header with 400', async () => {
    const unknown = await cborCall('/service/AWSMPEntitlementService/operation/DeleteEntitlements', {})
    assert.equal(unknown.response.status, 404)
    assert.equal(unknown.body.__type, 'com.amazonaws.marketplaceentitlementservice#UnknownOperationException')
    const bare = await cborCall(OPERATION, { ProductCode: 'demo-contract' }, {})
    assert.equal(bare.response.status, 400)
    assert.deepEqual(bare.body, {
      __type: 'com.amazonaws.marketplaceentitlementservice#SerializationException',
      message: 'Smithy RPC v2 CBOR requests carry the header smithy-protocol: rpc-v2-cbor.',
    })
  })
})
