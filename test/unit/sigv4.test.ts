import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, it } from 'node:test'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import type { AwsError } from '../../src/errors/aws-error.js'
import { type SignedRequest, type SigningSecret, verifySigV4 } from '../../src/sigv4/verify.js'

// @smithy/hash-node exports Hash; the SDK builds its SHA-256 the same way.
const Sha256 = Hash.bind(null, 'sha256')

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0) // 20260115T120000Z
const MINUTE = 60_000
const KEY = 'AKIAMETERDUNITTEST01'
const SECRET = 'unit-test-secret'
const SESSION_KEY = 'ASIAMETERDUNITTEST01'
const SESSION_SECRET = 'unit-test-session-secret'
const TOKEN = 'session-token-of-unit-test'
const HOST = 'metering.marketplace.us-east-1.amazonaws.com'
const BODY = '{"ProductCode":"demo-ami","Timestamp":1768478400,"UsageDimension":"hosts","UsageQuantity":1}'

const SECRETS: Record<string, SigningSecret> = {
  [KEY]: { secretAccessKey: SECRET },
  [SESSION_KEY]: { secretAccessKey: SESSION_SECRET, sessionToken: TOKEN },
}

type QueryValue = string | string[]

interface SignOptions {
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  region?: string
  service?: string
  date?: Date
  body?: string
  path?: string
  query?: Record<string, QueryValue>
  headers?: Record<string, string>
  applyChecksum?: boolean
  unsignableHeaders?: Set<string>
}

/** RFC 3986 escaping exactly as the smithy query-string builder does it. */
const escapeUri = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** The query string as the SDK's HTTP handler puts it on the wire. */
function wireQuery(query: Record<string, QueryValue>): string {
  const parts: string[] = []
  for (const key of Object.keys(query).sort()) {
    const value = query[key]!
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`${escapeUri(key)}=${escapeUri(v)}`)
  }
  return parts.join('&')
}

/** Signs a request with the reference signer and returns it as meterd's wire layer hands it to the verifier. */
async function signed(options: SignOptions = {}): Promise<SignedRequest> {
  const signer = new SignatureV4({
    credentials: options.credentials ?? { accessKeyId: KEY, secretAccessKey: SECRET },
    region: options.region ?? 'us-east-1',
    service: options.service ?? 'aws-marketplace',
    sha256: Sha256,
    applyChecksum: options.applyChecksum ?? false,
  })
  const body = options.body ?? BODY
  const path = options.path ?? '/'
  const query = options.query ?? {}
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'https:',
      hostname: HOST,
      path,
      query,
      headers: {
        host: HOST,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSMPMeteringService.MeterUsage',
        ...options.headers,
      },
      body,
    },
    { signingDate: options.date ?? new Date(NOW), unsignableHeaders: options.unsignableHeaders },
  )
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value
  return { method: 'POST', path, query: wireQuery(query), headers, body: Buffer.from(body) }
}

const verify = (request: SignedRequest, nowMs = NOW) =>
  verifySigV4(request, { service: 'aws-marketplace', nowMs, lookupSecret: (key) => SECRETS[key] })

function failure(fn: () => unknown): AwsError {
  try {
    fn()
  } catch (error) {
    return error as AwsError
  }
  assert.fail('expected verifySigV4 to throw')
}

/** The same request with some headers replaced (undefined removes one). */
function withHeaders(request: SignedRequest, changes: Record<string, string | undefined>): SignedRequest {
  const headers: Record<string, string> = { ...request.headers }
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete headers[name]
    else headers[name] = value
  }
  return { ...request, headers }
}

const editAuthorization = (request: SignedRequest, edit: (auth: string) => string) =>
  withHeaders(request, { authorization: edit(request.headers['authorization']!) })

// Signed once at load time and shared by the tests that only edit them.
const signedRequest: SignedRequest = await signed()
const expiredRequest = await signed({ date: new Date(NOW - 15 * MINUTE - 1000) })
const earlyRequest = await signed({ date: new Date(NOW + 15 * MINUTE + 1000) })

describe('verifySigV4', () => {
  describe('accepts what the reference signer produces', () => {
    it('returns the access key id and the region of the credential scope', async () => {
      assert.deepEqual(verify(await signed()), { accessKeyId: KEY, region: 'us-east-1' })
      assert.deepEqual(verify(await signed({ region: 'eu-west-1' })), { accessKeyId: KEY, region: 'eu-west-1' })
    })

    it('accepts a matching x-amz-content-sha256 header', async () => {
      const request = await signed({ applyChecksum: true })
      assert.equal(request.headers['x-amz-content-sha256'], createHash('sha256').update(BODY).digest('hex'))
      assert.deepEqual(verify(request), { accessKeyId: KEY, region: 'us-east-1' })
    })

    it('accepts an empty body', async () => {
      assert.deepEqual(verify(await signed({ body: '' })), { accessKeyId: KEY, region: 'us-east-1' })
    })

    it('accepts a request signed exactly 15 minutes ago or 15 minutes ahead', async () => {
      assert.equal(verify(await signed({ date: new Date(NOW - 15 * MINUTE) })).accessKeyId, KEY)
      assert.equal(verify(await signed({ date: new Date(NOW + 15 * MINUTE) })).accessKeyId, KEY)
    })

    it('verifies a path and query whose characters need percent-encoding', async () => {
      const request = await signed({
        path: '/some%20dir/a%2Fb/%E2%9C%93/x~y_z.-',
        query: { 'a b': 'c&d=e', plus: '1+1', star: "*!'()", ü: '✓ ~', list: ['z', 'a b', 'm'], empty: '' },
      })
      assert.equal(request.query, 'a%20b=c%26d%3De&empty=&list=z&list=a%20b&list=m&plus=1%2B1&star=%2A%21%27%28%29&%C3%BC=%E2%9C%93%20~')
      assert.deepEqual(verify(request), { accessKeyId: KEY, region: 'us-east-1' })
    })

    it('verifies a path with empty and dot segments, which SigV4 normalizes', async () => {
      assert.equal(verify(await signed({ path: '/a//b/./c/../d/' })).accessKeyId, KEY)
    })

    it('folds runs of spaces in signed header values as the signer does', async () => {
      const request = await signed({ headers: { 'x-meterd-note': '  spaced    out\tvalue ' } })
      assert.match(request.headers['authorization']!, /SignedHeaders=[^,]*x-meterd-note/)
      assert.equal(verify(request).accessKeyId, KEY)
    })
  })

  describe('refuses requests without a complete signature', () => {
    it('answers MissingAuthenticationTokenException when there is no Authorization header', () => {
      const e = failure(() => verify(withHeaders(signedRequest, { authorization: undefined })))
      assert.equal(e.code, 'MissingAuthenticationTokenException')
      assert.equal(e.message, 'Request is missing Authentication Token')
      assert.equal(e.statusCode, 400)
    })

    it('answers MissingAuthenticationTokenException for a non-SigV4 Authorization header', () => {
      const e = failure(() => verify(withHeaders(signedRequest, { authorization: 'Bearer abc' })))
      assert.equal(e.code, 'MissingAuthenticationTokenException')
      assert.equal(e.message, 'Request is missing Authentication Token')
    })

    it('names a missing Credential parameter and echoes the header', () => {
      const request = editAuthorization(signedRequest, (a) => a.replace(/Credential=[^,]*, /, ''))
      const e = failure(() => verify(request))
      assert.equal(e.code, 'IncompleteSignatureException')
      assert.equal(e.message, `Authorization header requires 'Credential' parameter. Authorization=${request.headers['authorization']}`)
    })

    it('names missing Signature and SignedHeaders parameters together', () => {
      const auth = `AWS4-HMAC-SHA256 Credential=${KEY}/20260115/us-east-1/aws-marketplace/aws4_request`
      const e = failure(() => verify(withHeaders(signedRequest, { authorization: auth })))
      assert.equal(e.code, 'IncompleteSignatureException')
      assert.equal(
        e.message,
        `Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=${auth}`,
      )
    })

    it('requires an X-Amz-Date or Date header', () => {
      const e = failure(() => verify(withHeaders(signedRequest, { 'x-amz-date': undefined })))
      assert.equal(e.code, 'IncompleteSignatureException')
      assert.equal(
        e.message,
        `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=${signedRequest.headers['authorization']}`,
      )
    })

    it('refuses an X-Amz-Date that is not ISO-8601 basic format', () => {
      const e = failure(() => verify(withHeaders(signedRequest, { 'x-amz-date': '2026-01-15T12:00:00Z' })))
      assert.equal(e.code, 'IncompleteSignatureException')
      assert.equal(
        e.message,
        "Date must be in ISO-8601 'basic format'. Got '2026-01-15T12:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
      )
    })

    it('refuses an X-Amz-Date naming a day that does not exist as malformed', () => {
      const e = failure(() => verify(withHeaders(signedRequest, { 'x-amz-date': '20260132T120000Z' })))
      assert.equal(e.code, 'IncompleteSignatureException')
      assert.equal(e.message, "Date must be in ISO-8601 'basic format'. Got '20260132T120000Z'. See http://en.wikipedia.org/wiki/ISO_8601")
    })
  })

  describe('refuses dates more than 15 minutes from now', () => {
    it('answers "Signature expired" for a request signed 15 minutes and 1 second ago', () => {
      const e = failure(() => verify(expiredRequest))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(e.message, 'Signature expired: 20260115T114459Z is now earlier than 20260115T114500Z (20260115T120000Z - 15 min.)')
    })

    it('answers "Signature not yet current" for a request signed 15 minutes and 1 second ahead', () => {
      const e = failure(() => verify(earlyRequest))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(
        e.message,
        'Signature not yet current: 20260115T121501Z is still later than 20260115T121500Z (20260115T120000Z + 15 min.)',
      )
    })
  })

  describe('refuses a malformed signature scope', () => {
    it("requires 'Host' to be a signed header", async () => {
      const request = await signed({ unsignableHeaders: new Set(['host']) })
      assert.doesNotMatch(request.headers['authorization']!, /SignedHeaders=[^,]*host/)
      const e = failure(() => verify(request))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(e.message, "'Host' must be a 'SignedHeader' in the AWS Authorization.")
    })

    it('refuses an algorithm other than AWS4-HMAC-SHA256', () => {
      const e = failure(() => verify(editAuthorization(signedRequest, (a) => a.replace('AWS4-HMAC-SHA256', 'AWS4-HMAC-SHA512'))))
      assert.equal(e.code, 'IncompleteSignatureException')
      assert.equal(e.message, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 for now). ")
    })

    it('refuses a credential with 4 elements', () => {
      const e = failure(() => verify(editAuthorization(signedRequest, (a) => a.replace('/aws-marketplace/', '/'))))
      assert.equal(e.code, 'IncompleteSignatureException')
      assert.equal(
        e.message,
        `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${KEY}/20260115/us-east-1/aws4_request'`,
      )
    })

    it("refuses a scope for another service such as 'metering.marketplace'", async () => {
      const request = await signed({ service: 'metering.marketplace' })
      const e = failure(() => verify(request))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(e.message, "Credential should be scoped to correct service: 'aws-marketplace'.")
    })

    it('refuses a scope region that is not a region', async () => {
      const request = await signed({ region: 'moon' })
      const e = failure(() => verify(request))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(e.message, "Credential should be scoped to a valid region, not 'moon'.")
    })

    it("refuses a terminator other than 'aws4_request'", () => {
      const e = failure(() => verify(editAuthorization(signedRequest, (a) => a.replace('/aws4_request', '/aws5_request'))))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(e.message, "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.")
    })

    it('refuses a scope date that differs from the X-Amz-Date day', () => {
      const e = failure(() => verify(editAuthorization(signedRequest, (a) => a.replace('/20260115/', '/20260114/'))))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(
        e.message,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20260114' != '20260115', from '20260115T120000Z'.",
      )
    })

    it('lists every scope problem in one message', async () => {
      const request = editAuthorization(await signed({ service: 'metering.marketplace' }), (a) => a.replace('/aws4_request', '/aws4'))
      const e = failure(() => verify(request))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(
        e.message,
        "Credential should be scoped to correct service: 'aws-marketplace'. Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4'.",
      )
    })
  })

  describe('refuses wrong keys and signatures', () => {
    it('answers UnrecognizedClientException for an unknown access key', async () => {
      const request = await signed({ credentials: { accessKeyId: 'AKIAUNKNOWNKEY000001', secretAccessKey: SECRET } })
      const e = failure(() => verify(request))
      assert.equal(e.code, 'UnrecognizedClientException')
      assert.equal(e.message, 'The security token included in the request is invalid.')
      assert.equal(e.statusCode, 400)
    })

    it('answers InvalidSignatureException with the canonical request and string-to-sign for a wrong secret', async () => {
      const request = await signed({ credentials: { accessKeyId: KEY, secretAccessKey: 'not-the-secret' } })
      const e = failure(() => verify(request))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.ok(
        e.message.startsWith(
          'The request signature we calculated does not match the signature you provided. ' +
            'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        ),
        e.message,
      )
      const bodyHash = createHash('sha256').update(BODY).digest('hex')
      const canonical = [
        'POST',
        '/',
        '',
        `content-type:application/x-amz-json-1.1\nhost:${HOST}\nx-amz-date:20260115T120000Z\n` +
          'x-amz-target:AWSMPMeteringService.MeterUsage\n',
        'content-type;host;x-amz-date;x-amz-target',
        bodyHash,
      ].join('\n')
      const stringToSign = [
        'AWS4-HMAC-SHA256',
        '20260115T120000Z',
        '20260115/us-east-1/aws-marketplace/aws4_request',
        createHash('sha256').update(canonical).digest('hex'),
      ].join('\n')
      assert.ok(
        e.message.endsWith(
          `\n\nThe Canonical String for this request should have been\n'${canonical}'\n\n` +
            `The String-to-Sign should have been\n'${stringToSign}'\n`,
        ),
        e.message,
      )
    })

    it('answers InvalidSignatureException when the body was changed after signing', () => {
      const e = failure(() => verify({ ...signedRequest, body: Buffer.from(BODY.replace('"UsageQuantity":1', '"UsageQuantity":9')) }))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.match(e.message, /^The request signature we calculated does not match the signature you provided\./)
    })

    it('answers InvalidSignatureException when a signed header was changed after signing', () => {
      const e = failure(() => verify(withHeaders(signedRequest, { 'x-amz-target': 'AWSMPMeteringService.BatchMeterUsage' })))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.match(e.message, /^The request signature we calculated does not match the signature you provided\./)
    })

    it('answers InvalidSignatureException, not a crash, for a query with a malformed percent-escape', () => {
      const e = failure(() => verify({ ...signedRequest, query: 'a=%ZZ&b%=1' }))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.match(e.message, /^The request signature we calculated does not match[^]*\n'POST\n\/\na=%25ZZ&b%25=1\n/)
    })

    it('answers InvalidSignatureException for a signature that is not hex', () => {
      const e = failure(() => verify(editAuthorization(signedRequest, (a) => a.replace(/Signature=\w+/, 'Signature=zz'))))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.match(e.message, /^The request signature we calculated does not match/)
    })

    it('refuses an x-amz-content-sha256 header that does not match the body', async () => {
      const request = await signed({ applyChecksum: true })
      const e = failure(() => verify({ ...request, body: Buffer.from(`${BODY} `) }))
      assert.equal(e.code, 'InvalidSignatureException')
      assert.equal(e.message, "The provided 'x-amz-content-sha256' header does not match what was computed.")
      const unsigned = await signed({ headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } })
      assert.equal(failure(() => verify(unsigned)).message, "The provided 'x-amz-content-sha256' header does not match what was computed.")
    })
  })

  describe('session tokens', () => {
    const session = { accessKeyId: SESSION_KEY, secretAccessKey: SESSION_SECRET }

    it('accepts a credential with a session token when X-Amz-Security-Token matches', async () => {
      const request = await signed({ credentials: { ...session, sessionToken: TOKEN } })
      assert.equal(request.headers['x-amz-security-token'], TOKEN)
      assert.deepEqual(verify(request), { accessKeyId: SESSION_KEY, region: 'us-east-1' })
    })

    it('answers UnrecognizedClientException when the session token is missing', async () => {
      const request = await signed({ credentials: session })
      const e = failure(() => verify(request))
      assert.equal(e.code, 'UnrecognizedClientException')
      assert.equal(e.message, 'The security token included in the request is invalid')
    })

    it('answers UnrecognizedClientException when the session token is wrong', async () => {
      const request = await signed({ credentials: { ...session, sessionToken: `${TOKEN}-other` } })
      const e = failure(() => verify(request))
      assert.equal(e.code, 'UnrecognizedClientException')
      assert.equal(e.message, 'The security token included in the request is invalid')
    })

    it('answers UnrecognizedClientException when a token is sent for a credential that has none', async () => {
      const request = await signed({ credentials: { accessKeyId: KEY, secretAccessKey: SECRET, sessionToken: TOKEN } })
      const e = failure(() => verify(request))
      assert.equal(e.code, 'UnrecognizedClientException')
      assert.equal(e.message, 'The security token included in the request is invalid')
    })
  })
})
