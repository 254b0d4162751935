import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Catalog } from '../catalog/catalog.js'
import type { MeteringWindows } from '../domain/metering-windows.js'
import { AwsError } from '../errors/aws-error.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { Ledger } from '../ledger/ledger.js'
import type { Caller, Operation } from '../operations/operation.js'
import { OPERATIONS, TARGET_PREFIX } from '../operations/registry.js'
import type { FaultRules } from '../controls/fault-rules.js'
import type { Quotas } from '../controls/quotas.js'
import type { Clock } from '../shared/clock.js'
import { credentialAccessKeyId, credentialRegion, verifySigV4 } from '../sigv4/verify.js'
import { check } from './shape.js'

export type AuthMode = 'strict' | 'permissive'

export interface AwsJsonEndpointOptions {
  catalog: Catalog
  ledger: Ledger
  clock: Clock
  windows: MeteringWindows
  keys: KeyRing
  auth: AuthMode
  anonymousBuyerAccountId?: string
  quotas: Quotas
  faults: FaultRules
  /** Told about every call once it has been answered (audit trail, metrics). */
  onCall?: (report: CallReport) => void
}

/** One answered AWS API call, for the audit trail and metrics. */
export interface CallReport {
  requestId: string
  startedAtMs: number
  durationMs: number
  /** The operation name, or the X-Amz-Target as sent when it names none. */
  operation: string
  caller?: Caller
  sourceIp: string
  userAgent?: string
  /** The parsed request body, when it could be read. */
  params?: unknown
  /** The same body as the JSON text it was parsed from. */
  paramsJson?: string
  status: number
  error?: AwsError
  output?: object
  injectedFault?: string
}

interface CallState {
  operation?: string
  caller?: Caller
  params?: unknown
  paramsJson?: string
  output?: object
  error?: AwsError
  injectedFault?: string
}

const SIGNING_NAME = 'aws-marketplace'
const CONTENT_TYPE = 'application/x-amz-json-1.1'
/** AWS: "Request size must be < 1 MB". */
export const MAX_BODY_BYTES = 1024 * 1024 - 1

/**
 * The AWS JSON 1.1 wire: POST / with X-Amz-Target, SigV4 over the raw body, JSON in and out,
 * errors as {__type, message} with a matching x-amzn-ErrorType. Registered as an encapsulated
 * fastify plugin so its body parser and error handler apply to this scope only.
 */
export async function awsJsonEndpoint(app: FastifyInstance, options: AwsJsonEndpointOptions): Promise<void> {
  const calls = new WeakMap<FastifyRequest, CallState>()
  const stateOf = (request: FastifyRequest) => {
    let state = calls.get(request)
    if (!state) calls.set(request, (state = {}))
    return state
  }
  // Callback style, not async: one promise less per call.
  app.addHook('onResponse', (request, reply, done) => {
    const state = stateOf(request)
    const target = request.headers['x-amz-target']
    // fastify times every call from its arrival; the report takes that instead of a hook of its own.
    const durationMs = Math.round(reply.elapsedTime)
    options.onCall?.({
      requestId: request.id,
      startedAtMs: Date.now() - durationMs,
      durationMs,
      operation: state.operation ?? (typeof target === 'string' && target ? target : 'Unknown'),
      ...(state.caller ? { caller: state.caller } : {}),
      sourceIp: request.ip,
      ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
      ...(state.params !== undefined ? { params: state.params, paramsJson: state.paramsJson } : {}),
      status: reply.statusCode,
      ...(state.error ? { error: state.error } : {}),
      ...(state.output ? { output: state.output } : {}),
      ...(state.injectedFault ? { injectedFault: state.injectedFault } : {}),
    })
    done()
  })

  // Keep the raw bytes: the signature covers them. Any content type is read as JSON, as
  // OpenAPI-generated clients send application/json and the SDKs application/x-amz-json-1.1.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (_req, body, done) => done(null, body))

  app.setErrorHandler((error, request, reply) => {
    const awsError = toAwsError(error, request)
    stateOf(request).error = awsError
    return sendError(request, reply, awsError)
  })
  app.setNotFoundHandler((request, reply) => {
    const error = new AwsError(
      'UnknownOperationException',
      `No operation is served at ${request.method} ${request.url}; send POST / with an X-Amz-Target header.`,
    )
    stateOf(request).error = error
    return sendError(request, reply, error, 404)
  })

  app.post('/', async (request, reply) => {
    const state = stateOf(request)
    // 1. framing and identity
    const operation = resolveOperation(request.headers['x-amz-target'])
    state.operation = operation.name
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const caller = authenticate(request, body, options)
    state.caller = caller
    const text = body.toString('utf8')
    const params = parseJson(text)
    state.params = params
    state.paramsJson = text
    // 2. the seller's controls: quotas, then injected faults (AWS throttles before it validates)
    const accountKey = caller.accountId ?? 'anonymous'
    if (!(await options.quotas.take(operation.name, accountKey, caller.signingRegion ?? 'us-east-1'))) {
      state.injectedFault = 'quota'
      throw new AwsError('ThrottlingException', 'Rate exceeded')
    }
    const productCode =
      typeof (params as { ProductCode?: unknown })?.ProductCode === 'string' ? (params as { ProductCode: string }).ProductCode : undefined
    const fault = await options.faults.match({
      operation: operation.name,
      ...(productCode ? { productCode } : {}),
      ...(caller.accountId ? { accountId: caller.accountId } : {}),
    })
    if (fault) {
      state.injectedFault = `fault:${fault.ruleIds.join(',')}`
      if (fault.latencyMs) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs))
      if (fault.error === 'ThrottlingException') throw new AwsError('ThrottlingException', 'Rate exceeded')
      if (fault.error === 'InternalServiceErrorException') {
        throw new AwsError(
          'InternalServiceErrorException',
          'An internal error has occurred. Retry your request. If the problem persists, post a message with details on the AWS forums.',
        )
      }
    }
    // 3. validate, decide, persist
    const input = check(operation.input, params)
    const output = await operation.run(input, {
      caller,
      requestId: request.id,
      nowMs: options.clock.nowMs(),
      catalog: options.catalog,
      ledger: options.ledger,
      windows: options.windows,
      keys: options.keys,
      anonymousBuyerAccountId: options.anonymousBuyerAccountId,
      ...(fault?.unprocessedShare ? { unprocessedShare: fault.unprocessedShare } : {}),
    })
    // 4. respond
    state.output = output
    reply.header('x-amzn-RequestId', request.id).header('content-type', CONTENT_TYPE).send(jsonBytes(output))
    return reply
  })
}

function resolveOperation(target: string | string[] | undefined): Operation {
  const value = Array.isArray(target) ? target[0] : target
  const dot = value?.lastIndexOf('.') ?? -1
  const operation = value && dot > 0 && value.slice(0, dot) === TARGET_PREFIX ? OPERATIONS[value.slice(dot + 1)] : undefined
  if (!operation) {
    throw new AwsError(
      'UnknownOperationException',
      value
        ? `Unknown operation ${value}; expected ${TARGET_PREFIX}.{${Object.keys(OPERATIONS).join(',')}}.`
        : 'Missing X-Amz-Target header.',
    )
  }
  return operation
}

function parseJson(text: string): unknown {
  if (text.length === 0) return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.')
  }
}

function authenticate(request: FastifyRequest, body: Buffer, options: AwsJsonEndpointOptions): Caller {
  const headers = flatHeaders(request)
  if (options.auth === 'permissive') {
    // Any credentials, or none: a known key still says who calls; an unknown one acts for anyone.
    const accessKeyId = credentialAccessKeyId(headers['authorization'])
    const identity = accessKeyId ? options.catalog.findSigningIdentity(accessKeyId) : undefined
    if (!identity) return { accessKeyId, signingRegion: credentialRegion(headers['authorization']) }
    return {
      accountId: identity.accountId,
      accessKeyId,
      credential: identity.credential,
      signingRegion: credentialRegion(headers['authorization']),
    }
  }
  const [path, query = ''] = splitUrl(request.raw.url ?? '/')
  const verified = verifySigV4(
    { method: request.method, path, query, headers, body },
    {
      service: SIGNING_NAME,
      nowMs: Date.now(), // real time: the virtual clock must not expire signatures
      lookupSecret: (key) => options.catalog.findSigningIdentity(key)?.credential,
    },
  )
  const identity = options.catalog.findSigningIdentity(verified.accessKeyId)!
  return {
    accountId: identity.accountId,
    accessKeyId: verified.accessKeyId,
    credential: identity.credential,
    signingRegion: verified.region,
  }
}

function splitUrl(url: string): [string, string?] {
  const q = url.indexOf('?')
  return q === -1 ? [url] : [url.slice(0, q), url.slice(q + 1)]
}

// SigV4 joins repeated headers with ','; Node joins most of them with ', ', so rebuild from raw.
function flatHeaders(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {}
  const raw = request.raw.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!.trim()
    out[name] = name in out ? `${out[name]},${value}` : value
  }
  return out
}

function toAwsError(error: unknown, request: FastifyRequest): AwsError {
  if (error instanceof AwsError) return error
  const code = (error as { code?: string }).code
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AwsError('RequestEntityTooLargeException', `Request must be smaller than ${MAX_BODY_BYTES + 1} bytes.`)
  }
  if (typeof code === 'string' && code.startsWith('FST_ERR_CTP')) {
    return new AwsError('SerializationException', (error as Error).message)
  }
  request.log.error({ err: error }, 'internal error')
  return new AwsError(
    'InternalServiceErrorException',
    'An internal error has occurred. Retry your request. If the problem persists, post a message with details on the AWS forums.',
  )
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: AwsError, status = error.statusCode): FastifyReply {
  return reply
    .code(status)
    .header('x-amzn-RequestId', request.id)
    .header('x-amzn-ErrorType', error.code)
    .header('content-type', CONTENT_TYPE)
    .send(jsonBytes({ __type: error.code, message: error.message }))
}

// Bytes, not a string: fastify appends '; charset=utf-8' to a JSON content type for strings,
// and AWS answers with a bare 'application/x-amz-json-1.1'.
const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8')
