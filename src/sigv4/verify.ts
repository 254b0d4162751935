import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { AwsError } from '../errors/aws-error.js'

/** What the verifier needs from an HTTP request. Header names are lower case. */
export interface SignedRequest {
  method: string
  /** Path as received, still percent-encoded, without the query. */
  path: string
  /** Raw query string without '?', or ''. */
  query: string
  /** Header values; repeated headers are joined with ','. */
  headers: Readonly<Record<string, string>>
  body: Buffer
}

export interface SigningSecret {
  secretAccessKey: string
  /** When set, the request must carry this X-Amz-Security-Token. */
  sessionToken?: string
}

export interface VerifiedSignature {
  accessKeyId: string
  /** Region of the credential scope, i.e. the region the client signed for. */
  region: string
}

export interface VerifyOptions {
  /** Signing name in the credential scope: `aws-marketplace` for this service. */
  service: string
  /** Real time; the virtual clock must not affect signature expiry. */
  nowMs: number
  /** Allowed distance between X-Amz-Date and now (AWS: 15 minutes). */
  maxSkewMs?: number
  lookupSecret(accessKeyId: string): SigningSecret | undefined
}

const ALGORITHM = 'AWS4-HMAC-SHA256'
const FIFTEEN_MINUTES_MS = 15 * 60 * 1000

/**
 * Verifies an AWS Signature Version 4 Authorization header, in the order AWS checks it and with
 * the messages AWS answers with (MissingAuthenticationToken → IncompleteSignature → date →
 * scope → key → signature → security token).
 */
export function verifySigV4(request: SignedRequest, options: VerifyOptions): VerifiedSignature {
  const auth = request.headers['authorization']
  if (!auth || !auth.trim().startsWith('AWS4-')) {
    throw new AwsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token')
  }
  const parsed = parseAuthorization(auth)
  const dateHeader = request.headers['x-amz-date'] ?? request.headers['date']
  let missing = ''
  for (const part of ['Credential', 'Signature', 'SignedHeaders'] as const) {
    if (parsed.params[part] === undefined) missing += `Authorization header requires '${part}' parameter. `
  }
  if (!dateHeader) missing += `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. `
  if (missing) throw new AwsError('IncompleteSignatureException', `${missing}Authorization=${auth}`)

  const amzDate = dateHeader!
  const signedAtMs = parseAmzDate(amzDate)
  if (signedAtMs === undefined) {
    throw new AwsError(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${amzDate}'. See http://en.wikipedia.org/wiki/ISO_8601`,
    )
  }
  const maxSkewMs = options.maxSkewMs ?? FIFTEEN_MINUTES_MS
  const skewText = `${Math.round(maxSkewMs / 60000)} min.`
  if (signedAtMs < options.nowMs - maxSkewMs) {
    throw new AwsError(
      'InvalidSignatureException',
      `Signature expired: ${amzDate} is now earlier than ${basicDate(options.nowMs - maxSkewMs)} (${basicDate(options.nowMs)} - ${skewText})`,
    )
  }
  if (signedAtMs > options.nowMs + maxSkewMs) {
    throw new AwsError(
      'InvalidSignatureException',
      `Signature not yet current: ${amzDate} is still later than ${basicDate(options.nowMs + maxSkewMs)} (${basicDate(options.nowMs)} + ${skewText})`,
    )
  }

  const signedHeaders = parsed.params.SignedHeaders!.split(';').filter(Boolean)
  if (!signedHeaders.some((h) => h.toLowerCase() === 'host')) {
    throw new AwsError('InvalidSignatureException', `'Host' must be a 'SignedHeader' in the AWS Authorization.`)
  }
  if (parsed.algorithm !== ALGORITHM) {
    throw new AwsError('IncompleteSignatureException', `Unsupported AWS 'algorithm': '${parsed.algorithm}' (only ${ALGORITHM} for now). `)
  }
  const credential = parsed.params.Credential!.replace(/\/+$/, '')
  const scope = credential.split('/')
  if (scope.length !== 5) {
    throw new AwsError(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${credential}'`,
    )
  }
  const [accessKeyId, scopeDate, region, service, terminator] = scope as [string, string, string, string, string]
  let scopeProblems = ''
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) scopeProblems += `Credential should be scoped to a valid region, not '${region}'. `
  if (service !== options.service) scopeProblems += `Credential should be scoped to correct service: '${options.service}'. `
  if (terminator !== 'aws4_request')
    scopeProblems += `Credential should be scoped with a valid terminator: 'aws4_request', not '${terminator}'. `
  if (scopeDate !== amzDate.slice(0, 8)) {
    scopeProblems += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`
  }
  if (scopeProblems) throw new AwsError('InvalidSignatureException', scopeProblems.trim())

  const secret = options.lookupSecret(accessKeyId)
  if (!secret) throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid.')

  const bodyHash = createHash('sha256').update(request.body).digest('hex')
  const declaredHash = request.headers['x-amz-content-sha256']
  if (declaredHash !== undefined && declaredHash !== bodyHash) {
    throw new AwsError('InvalidSignatureException', `The provided 'x-amz-content-sha256' header does not match what was computed.`)
  }

  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(request.path),
    canonicalQuery(request.query),
    signedHeaders.map((h) => `${h.toLowerCase()}:${canonicalHeaderValue(request.headers[h.toLowerCase()] ?? '')}\n`).join(''),
    signedHeaders.map((h) => h.toLowerCase()).join(';'),
    bodyHash,
  ].join('\n')
  const credentialScope = `${scopeDate}/${region}/${service}/${terminator}`
  const stringToSign = [ALGORITHM, amzDate, credentialScope, sha256Hex(canonicalRequest)].join('\n')
  const expected = createHmac('sha256', signingKey(secret.secretAccessKey, scopeDate, region, service))
    .update(stringToSign)
    .digest()
  const provided = Buffer.from(parsed.params.Signature!, 'hex')
  if (provided.length !== expected.length || !timingSafeEqual(provided, expected)) {
    throw new AwsError(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.' +
        `\n\nThe Canonical String for this request should have been\n'${canonicalRequest}'\n\nThe String-to-Sign should have been\n'${stringToSign}'\n`,
    )
  }

  const token = request.headers['x-amz-security-token']
  if (token !== undefined || secret.sessionToken !== undefined) {
    if (token === undefined || secret.sessionToken === undefined || !safeEqual(token, secret.sessionToken)) {
      throw new AwsError('UnrecognizedClientException', 'The security token included in the request is invalid')
    }
  }
  return { accessKeyId, region }
}

/** Reads the access key id from an Authorization header without verifying anything. */
export function credentialAccessKeyId(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  return /Credential=([^/,\s]+)\//.exec(authorization)?.[1]
}

/** Reads the region from the credential scope without verifying anything. */
export function credentialRegion(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined
  return /Credential=[^/,\s]+\/\d{8}\/([^/,\s]+)\//.exec(authorization)?.[1]
}

function parseAuthorization(header: string): { algorithm: string; params: Partial<Record<string, string>> } {
  const trimmed = header.trim()
  const space = trimmed.indexOf(' ')
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space)
  const params: Record<string, string> = {}
  for (const part of (space === -1 ? '' : trimmed.slice(space + 1)).split(',')) {
    const eq = part.indexOf('=')
    if (eq > 0) params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim()
  }
  return { algorithm, params }
}

function parseAmzDate(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = [+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!]
  const ms = Date.UTC(year, month, day, hour, minute, second)
  // Date.UTC rolls impossible dates over (month 13, day 32, hour 24) and reads years below 100 as
  // 19xx: refuse them instead. (Field checks, not a format round trip: this runs on every request.)
  const d = new Date(ms)
  const exact =
    d.getUTCFullYear() === year &&
    d.getUTCMonth() === month &&
    d.getUTCDate() === day &&
    d.getUTCHours() === hour &&
    d.getUTCMinutes() === minute &&
    d.getUTCSeconds() === second
  return exact ? ms : undefined
}

const basicDate = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

// Signing keys change once a day per secret and region; many instances each calling hourly
// means many secrets, so the cache is large and evicts the least recently used.
const KEY_CACHE_SIZE = 20_000
const keyCache = new Map<string, Buffer>()
function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\u0000${date}\u0000${region}\u0000${service}`
  let key = keyCache.get(cacheKey)
  if (key) {
    keyCache.delete(cacheKey)
    keyCache.set(cacheKey, key)
  } else {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest()
    const kRegion = createHmac('sha256', kDate).update(region).digest()
    const kService = createHmac('sha256', kRegion).update(service).digest()
    key = createHmac('sha256', kService).update('aws4_request').digest()
    if (keyCache.size >= KEY_CACHE_SIZE) keyCache.delete(keyCache.keys().next().value!)
    keyCache.set(cacheKey, key)
  }
  return key
}

const rfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

// Non-S3 services sign the path as sent, normalized (no empty, '.' or '..' segments) and
// URI-encoded once more, segment by segment.
function canonicalPath(path: string): string {
  const segments: string[] = []
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue
    if (segment === '..') segments.pop()
    else segments.push(segment)
  }
  if (segments.length === 0) return '/'
  return `/${segments.map((segment) => rfc3986(segment)).join('/')}${path.endsWith('/') ? '/' : ''}`
}

function canonicalQuery(query: string): string {
  if (!query) return ''
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=')
      const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq))
      const value = eq === -1 ? '' : safeDecode(pair.slice(eq + 1).replace(/\+/g, '%20'))
      return [rfc3986(name), rfc3986(value)] as const
    })
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&')
}

// A malformed escape ('%ZZ') is kept as sent, so it ends in a signature mismatch, not a URIError.
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

const canonicalHeaderValue = (value: string) => value.trim().replace(/\s+/g, ' ')

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
