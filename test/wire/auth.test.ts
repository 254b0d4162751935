import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { BatchMeterUsageCommand, MeterUsageCommand, type MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { DEMO_WORLD } from '../../src/catalog/demo-world.js'
import { BUYER, CUSTOMER, SELLER, errorOf, hourAgo, startMeterd, type TestMeterd } from '../helpers/meterd.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const AMZ_JSON = 'application/x-amz-json-1.1'
const Sha256 = Hash.bind(null, 'sha256')
const SESSION = { accessKeyId: 'ASIAMETERDSESSION001', secretAccessKey: 'meterd-session-secret', sessionToken: 'meterd-session-token-1' }

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

interface RawCall {
  target?: string
  body?: string
  credentials?: Credentials
  signingDate?: Date
  headers?: Record<string, string>
}

/** POST / signed with the reference signer, sent with fetch (which sets the same Host itself). */
async function signedFetch(url: string, call: RawCall = {}): Promise<Response> {
  const endpoint = new URL(url)
  const body = call.body ?? '{}'
  const signer = new SignatureV4({
    credentials: call.credentials ?? SELLER,
    region: 'us-east-1',
    service: 'aws-marketplace',
    sha256: Sha256,
  })
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: Number(endpoint.port),
      path: '/',
      query: {},
      headers: {
        host: endpoint.host,
        'content-type': AMZ_JSON,
        'x-amz-target': call.target ?? 'AWSMPMeteringService.BatchMeterUsage',
        ...call.headers,
      },
      body,
    },
    call.signingDate ? { signingDate: call.signingDate } : {},
  )
  const { host: _host, ...headers } = signed.headers
  return fetch(`${url}/`, { method: 'POST', headers, body })
}

const seconds = (date: Date) => Math.floor(date.getTime() / 1000)

const batchBody = (timestamp: Date, dimension = 'users') =>
  JSON.stringify({
    ProductCode: 'demo-saas',
    UsageRecords: [{ Timestamp: seconds(timestamp), CustomerIdentifier: CUSTOMER, Dimension: dimension, Quantity: 1 }],
  })

const batch = (client: MarketplaceMeteringClient, timestamp: Date) =>
  client.send(
    new BatchMeterUsageCommand({
      ProductCode: 'demo-saas',
      UsageRecords: [{ Timestamp: timestamp, CustomerIdentifier: CUSTOMER, Dimension: 'users', Quantity: 1 }],
    }),
  )

/** Checks the AWS JSON error framing and returns the parsed body. */
async function awsErrorOf(response: Response, status: number, type: string): Promise<{ __type: string; message: string }> {
  const text = await response.text()
  assert.equal(response.status, status, text)
  assert.equal(response.headers.get('content-type'), AMZ_JSON)
  assert.equal(response.headers.get('x-amzn-errortype'), type)
  assert.match(response.headers.get('x-amzn-requestid') ?? '', UUID)
  const body = JSON.parse(text) as { __type: string; message: string }
  assert.deepEqual(Object.keys(body), ['__type', 'message'])
  assert.equal(body.__type, type)
  return body
}

describe('authentication over the wire (strict mode)', () => {
  let meterd: TestMeterd

  before(async () => {
    meterd = await startMeterd({
      world: {
        ...DEMO_WORLD,
        accounts: DEMO_WORLD.accounts!.map((account) =>
          account.id === '111111111111'
            ? { ...account, credentials: [...(account.credentials ?? []), { ...SESSION, region: 'us-east-1' }] }
            : account,
        ),
      },
    })
  })
  after(() => meterd.close())

  describe('SigV4 failures', () => {
    it('answers the SDK with a wrong secret with InvalidSignatureException and HTTP 400', async () => {
      const client = meterd.client({ accessKeyId: SELLER.accessKeyId, secretAccessKey: 'not-the-seller-secret' })
      const error = await errorOf(() => batch(client, hourAgo(1, 5)))
      assert.equal(error.name, 'InvalidSignatureException')
      assert.equal(error.$metadata?.httpStatusCode, 400)
      assert.equal(error.$fault, 'client')
      assert.match(error.message, /^The request signature we calculated does not match the signature you provided\./)
    })

    it('names InvalidSignatureException in x-amzn-ErrorType and __type for a wrong secret', async () => {
      const response = await signedFetch(meterd.url, {
        body: batchBody(hourAgo(1, 5)),
        credentials: { ...SELLER, secretAccessKey: 'wrong' },
      })
      const body = await awsErrorOf(response, 400, 'InvalidSignatureException')
      assert.match(body.message, /^The request signature we calculated does not match the signature you provided\./)
    })

    it('answers an unknown access key with UnrecognizedClientException', async () => {
      const client = meterd.client({ accessKeyId: 'AKIAMETERDUNKNOWN001', secretAccessKey: 'whatever' })
      const error = await errorOf(() => batch(client, hourAgo(1, 5)))
      assert.equal(error.name, 'UnrecognizedClientException')
      assert.equal(error.message, 'The security token included in the request is invalid.')
      assert.equal(error.$metadata?.httpStatusCode, 400)
      const response = await signedFetch(meterd.url, {
        body: batchBody(hourAgo(1, 5)),
        credentials: { accessKeyId: 'AKIAMETERDUNKNOWN001', secretAccessKey: 'x' },
      })
      await awsErrorOf(response, 400, 'UnrecognizedClientException')
    })

    it('answers a request without Authorization with 400 MissingAuthenticationTokenException in AWS JSON', async () => {
      const response = await fetch(`${meterd.url}/`, {
        method: 'POST',
        headers: { 'content-type': AMZ_JSON, 'x-amz-target': 'AWSMPMeteringService.BatchMeterUsage' },
        body: batchBody(hourAgo(1, 5)),
      })
      const text = await response.text()
      assert.equal(response.status, 400)
      assert.equal(response.headers.get('content-type'), AMZ_JSON)
      assert.equal(response.headers.get('x-amzn-ErrorType'), 'MissingAuthenticationTokenException')
      assert.match(response.headers.get('x-amzn-RequestId') ?? '', UUID)
      assert.equal(text, '{"__type":"MissingAuthenticationTokenException","message":"Request is missing Authentication Token"}')
    })

    it("answers a request signed 20 minutes ago with InvalidSignatureException 'Signature expired'", async () => {
      const signingDate = new Date(Date.now() - 20 * 60_000)
      const amzDate = signingDate
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '')
      const response = await signedFetch(meterd.url, { body: batchBody(hourAgo(1, 5)), signingDate })
      const body = await awsErrorOf(response, 400, 'InvalidSignatureException')
      const m = /^Signature expired: (\d{8}T\d{6}Z) is now earlier than (\d{8}T\d{6}Z) \((\d{8}T\d{6}Z) - 15 min\.\)$/.exec(body.message)
      assert.ok(m, body.message)
      assert.equal(m[1], amzDate)
      const parse = (text: string) => Date.parse(text.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'))
      assert.equal(parse(m[3]!) - parse(m[2]!), 15 * 60_000)
      assert.ok(Math.abs(parse(m[3]!) - Date.now()) < 10_000, `server time ${m[3]} is not now`)
    })

    it('answers a malformed percent-escape in the query with 400 InvalidSignatureException, not a server error', async () => {
      const response = await fetch(`${meterd.url}/?a=%ZZ`, {
        method: 'POST',
        headers: {
          'content-type': AMZ_JSON,
          'x-amz-target': 'AWSMPMeteringService.BatchMeterUsage',
          'x-amz-date': new Date()
            .toISOString()
            .replace(/[-:]/g, '')
            .replace(/\.\d{3}/, ''),
          authorization: `AWS4-HMAC-SHA256 Credential=${SELLER.accessKeyId}/${new Date().toISOString().slice(0, 10).replace(/-/g, '')}/us-east-1/aws-marketplace/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
        },
        body: '{}',
      })
      const body = await awsErrorOf(response, 400, 'InvalidSignatureException')
      assert.match(body.message, /^The request signature we calculated does not match/)
    })
  })

  describe('session tokens', () => {
    it('accepts the SDK with a credential and its session token', async () => {
      const out = await batch(meterd.client(SESSION), hourAgo(2, 5))
      assert.equal(out.Results?.[0]?.Status, 'Success')
      assert.match(out.Results?.[0]?.MeteringRecordId ?? '', UUID)
    })

    it('answers the SDK without the session token with UnrecognizedClientException', async () => {
      const client = meterd.client({ accessKeyId: SESSION.accessKeyId, secretAccessKey: SESSION.secretAccessKey })
      const error = await errorOf(() => batch(client, hourAgo(2, 5)))
      assert.equal(error.name, 'UnrecognizedClientException')
      assert.equal(error.message, 'The security token included in the request is invalid')
      assert.equal(error.$metadata?.httpStatusCode, 400)
    })

    it('answers the SDK with a wrong session token with UnrecognizedClientException', async () => {
      const error = await errorOf(() => batch(meterd.client({ ...SESSION, sessionToken: 'another-token' }), hourAgo(2, 5)))
      assert.equal(error.name, 'UnrecognizedClientException')
      assert.equal(error.$metadata?.httpStatusCode, 400)
    })
  })

  describe('framing errors', () => {
    it('answers an unknown X-Amz-Target with 400 UnknownOperationException', async () => {
      const response = await signedFetch(meterd.url, { target: 'AWSMPMeteringService.DeleteEverything' })
      const body = await awsErrorOf(response, 400, 'UnknownOperationException')
      assert.match(
        body.message,
        /^Unknown operation AWSMPMeteringService\.DeleteEverything; expected AWSMPMeteringService\.\{[^}]*\bMeterUsage\b[^}]*\}\.$/,
      )
    })

    it('answers a missing X-Amz-Target with 400 UnknownOperationException', async () => {
      const response = await fetch(`${meterd.url}/`, { method: 'POST', headers: { 'content-type': AMZ_JSON }, body: '{}' })
      const body = await awsErrorOf(response, 400, 'UnknownOperationException')
      assert.equal(body.message, 'Missing X-Amz-Target header.')
    })

    it('answers a correctly signed body that is not JSON with 400 SerializationException', async () => {
      const response = await signedFetch(meterd.url, { body: '{"ProductCode": "demo-saas", ' })
      const body = await awsErrorOf(response, 400, 'SerializationException')
      assert.equal(body.message, 'The request body is not valid JSON.')
    })

    it('answers GET / with 404 UnknownOperationException in JSON, never HTML', async () => {
      const response = await fetch(`${meterd.url}/`)
      const body = await awsErrorOf(response, 404, 'UnknownOperationException')
      assert.equal(body.message, 'No operation is served at GET /; send POST / with an X-Amz-Target header.')
    })

    it('refuses a body of exactly 1 MiB with 413 RequestEntityTooLargeException', async () => {
      const response = await signedFetch(meterd.url, {
        target: 'AWSMPMeteringService.MeterUsage',
        credentials: BUYER,
        body: meterBodyOfSize(1_048_576),
      })
      const body = await awsErrorOf(response, 413, 'RequestEntityTooLargeException')
      assert.equal(body.message, 'Request must be smaller than 1048576 bytes.')
    })

    it('processes a body of 1048575 bytes and still serves normal requests afterwards', async () => {
      const big = meterBodyOfSize(1_048_575)
      assert.equal(Buffer.byteLength(big), 1_048_575)
      const response = await signedFetch(meterd.url, { target: 'AWSMPMeteringService.MeterUsage', credentials: BUYER, body: big })
      const text = await response.text()
      assert.equal(response.status, 200, text)
      assert.match((JSON.parse(text) as { MeteringRecordId: string }).MeteringRecordId, UUID)

      const out = await batch(meterd.client(), hourAgo(3, 5))
      assert.equal(out.Results?.[0]?.Status, 'Success')
    })
  })
})

/** A valid MeterUsage body padded with an unknown member to exactly `bytes` bytes. */
function meterBodyOfSize(bytes: number): string {
  const head = `{"ProductCode":"demo-ami","Timestamp":${seconds(new Date())},"UsageDimension":"hosts","UsageQuantity":1,"Pad":"`
  const tail = '"}'
  return head + 'x'.repeat(bytes - head.length - tail.length) + tail
}

describe('permissive mode over the wire', () => {
  let meterd: TestMeterd
  let client: MarketplaceMeteringClient

  before(async () => {
    meterd = await startMeterd({ auth: 'permissive' })
    client = meterd.client({ accessKeyId: 'testing', secretAccessKey: 'testing' })
  })
  after(() => meterd.close())

  it("lets the SDK with fake keys 'testing'/'testing' BatchMeterUsage demo-saas for demo-customer-1 with Status Success", async () => {
    const out = await batch(client, hourAgo(1, 5))
    assert.equal(out.Results?.length, 1)
    assert.equal(out.Results[0]!.Status, 'Success')
    assert.equal(out.Results[0]!.UsageRecord?.CustomerIdentifier, CUSTOMER)
    assert.match(out.Results[0]!.MeteringRecordId!, UUID)
  })

  it("lets the SDK with fake keys 'testing'/'testing' MeterUsage demo-ami and returns a MeteringRecordId", async () => {
    const out = await client.send(
      new MeterUsageCommand({ ProductCode: 'demo-ami', Timestamp: new Date(), UsageDimension: 'hosts', UsageQuantity: 1 }),
    )
    assert.match(out.MeteringRecordId!, UUID)
  })

  it('accepts an unsigned application/json MeterUsage request', async () => {
    const response = await fetch(`${meterd.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Amz-Target': 'AWSMPMeteringService.MeterUsage' },
      body: JSON.stringify({ ProductCode: 'demo-ami', Timestamp: seconds(new Date()), UsageDimension: 'hosts', UsageQuantity: 2 }),
    })
    const text = await response.text()
    assert.equal(response.status, 200, text)
    assert.equal(response.headers.get('content-type'), AMZ_JSON)
    assert.match(response.headers.get('x-amzn-requestid') ?? '', UUID)
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['MeteringRecordId'])
    assert.match((JSON.parse(text) as { MeteringRecordId: string }).MeteringRecordId, UUID)
  })

  it('still refuses an unknown X-Amz-Target with UnknownOperationException', async () => {
    const response = await fetch(`${meterd.url}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Amz-Target': 'AWSMPMeteringService.Nope' },
      body: '{}',
    })
    await awsErrorOf(response, 400, 'UnknownOperationException')
  })
})
