import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SigningIdentity } from '../domain/world.js'
import { AwsError } from '../errors/aws-error.js'
import { credentialAccessKeyId, credentialRegion, verifySigV4 } from '../sigv4/verify.js'
import { CBOR_CONTENT_TYPE, cborBytes, decodeCborBody, SMITHY_PROTOCOL } from './rpc-v2-cbor.js'
import type { AwsService, Caller, CallReport, PreparedCall, ServedOperation } from './service.js'

export type AuthMode = 'strict' | 'permissive'

export interface AwsJsonEndpointOptions<Ctx> {
  /** The services served on POST /, told apart by the X-Amz-Target prefix. */
  services: readonly AwsService<Ctx>[]
  auth: AuthMode
  /** The account and credential of an access key, for SigV4 verification. */
  findSigningIdentity(accessKeyId: string): SigningIdentity | undefined
  /**
   * Turns an authenticated, parsed call into the context its operation runs with. May throw an
   * AwsError instead (a quota or an injected fault answers the call).
   */
  prepare(call: PreparedCall): Promise<Ctx>
  /** Told about every call once it has been answered (audit trail, metrics). */
  onCall?: (report: CallReport) => void
}

interface CallState {
  /** How the call is framed: AWS JSON 1.1 on POST /, or Smithy RPC v2 CBOR (the service, for its error namespace). */
  cbor?: AwsService<unknown>
  /** An HTTP status other than the error's own (404 for a path that names no operation). */
  errorStatus?: number
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
export async function awsJsonEndpoint<Ctx>(app: FastifyInstance, options: AwsJsonEndpointOptions<Ctx>): Promise<void> {
  const services = new Map(options.services.map((service) => [service.targetPrefix, service]))
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
    const state = stateOf(request)
    state.error = awsError
    return sendError(request, reply, awsError, state, state.errorStatus)
  })
  app.setNotFoundHandler((request, reply) => {
    const error = new AwsError(
      'UnknownOperationException',
      `No operation is served at ${request.method} ${request.url}; send POST / with an X-Amz-Target header.`,
    )
    const state = stateOf(request)
    state.error = error
    return sendError(request, reply, error, state, 404)
  })

  /** 2-4 of a call, whatever its framing: the seller's controls, the operation, the answer's state. */
  const run = async (request: FastifyRequest, operation: ServedOperation<Ctx>, params: unknown): Promise<object> => {
    const state = stateOf(request)
    // 2. the seller's controls (quotas, injected faults), then 3. validate, decide, persist
    const ctx = await options.prepare({
      operation: operation.name,
      caller: state.caller!,
      requestId: request.id,
      params,
      markInjected: (tag) => {
        state.injectedFault = tag
      },
    })
    const output = await operation.invoke(params, ctx)
    state.output = output
    return output
  }

  app.post('/', async (request, reply) => {
    const state = stateOf(request)
    // 1. framing and identity
    const operation = resolveOperation(services, request.headers['x-amz-target'])
    state.operation = operation.name
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    state.caller = authenticate(request, body, options)
    const text = body.toString('utf8')
    const params = parseJson(text)
    state.params = params
    state.paramsJson = text
    const output = await run(request, operation, params)
    // 4. respond
    reply.header('x-amzn-RequestId', request.id).header('content-type', CONTENT_TYPE).send(jsonBytes(output))
    return reply
  })

  const cborServices = new Map(options.services.filter((s) => s.cbor).map((s) => [s.name, s]))
  app.post<{ Params: { service: string; operation: string } }>('/service/:service/operation/:operation', async (request, reply) => {
    const state = stateOf(request)
    // 1. framing and identity
    const service = cborServices.get(request.params.service)
    const operation = service?.operations.get(request.params.operation)
    if (!service || !operation) {
      state.cbor = service ?? cborServices.values().next().value
      state.errorStatus = 404 // Smithy RPC v2: an unknown service or operation is a 404
      throw new AwsError(
        'UnknownOperationException',
        `No operation ${request.params.operation} of service ${request.params.service} is served here.`,
      )
    }
    state.cbor = service
    state.operation = operation.name
    if (request.headers['smithy-protocol'] !== SMITHY_PROTOCOL) {
      throw new AwsError('SerializationException', `Smithy RPC v2 CBOR requests carry the header smithy-protocol: ${SMITHY_PROTOCOL}.`)
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    state.caller = authenticate(request, body, options)
    const params = decodeCborBody(body)
    state.params = params
    const output = await run(request, operation, params)
    // 4. respond
    reply.header('x-amzn-RequestId', request.id).header('smithy-protocol', SMITHY_PROTOCOL).header('content-type', CBOR_CONTENT_TYPE)
    return reply.send(cborBytes(output))
  })
}

function resolveOperation<Ctx>(
  services: ReadonlyMap<string, AwsService<Ctx>>,
  target: string | string[] | undefined,
): ServedOperation<Ctx> {
  const value = Array.isArray(target) ? target[0] : target
  if (!value) throw new AwsError('UnknownOperationException', 'Missing X-Amz-Target header.')
  const dot = value.lastIndexOf('.')
  const service = dot > 0 ? services.get(value.slice(0, dot)) : undefined
  const operation = service?.operations.get(value.slice(dot + 1))
  if (operation) return operation
  const expected = [...(service ? [service] : services.values())].map((s) => `${s.targetPrefix}.{${[...s.operations.keys()].join(',')}}`)
  throw new AwsError('UnknownOperationException', `Unknown operation ${value}; expected ${expected.join(' or ')}.`)
}

function parseJson(text: string): unknown {
  if (text.length === 0) return {}
  try {
    return JSON.parse(text)
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON.')
  }
}

function authenticate<Ctx>(request: FastifyRequest, body: Buffer, options: AwsJsonEndpointOptions<Ctx>): Caller {
  const headers = flatHeaders(request)
  if (options.auth === 'permissive') {
    // Any credentials, or none: a known key still says who calls; an unknown one acts for anyone.
    const accessKeyId = credentialAccessKeyId(headers['authorization'])
    const identity = accessKeyId ? options.findSigningIdentity(accessKeyId) : undefined
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
      lookupSecret: (key) => options.findSigningIdentity(key)?.credential,
    },
  )
  const identity = options.findSigningIdentity(verified.accessKeyId)!
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
  // No prototype: a header named like an Object member (constructor, __proto__) is just a header.
  const out = Object.create(null) as Record<string, string>
  const raw = request.raw.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase()
    const value = raw[i + 1]!.trim()
    out[name] = out[name] === undefined ? value : `${out[name]},${value}`
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

function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: AwsError,
  state: CallState,
  status = error.statusCode,
): FastifyReply {
  reply.code(status).header('x-amzn-RequestId', request.id).header('x-amzn-ErrorType', error.code)
  if (state.cbor) {
    return reply
      .header('smithy-protocol', SMITHY_PROTOCOL)
      .header('content-type', CBOR_CONTENT_TYPE)
      .send(cborBytes({ __type: `${state.cbor.namespace}#${error.code}`, message: error.message }))
  }
  return reply.header('content-type', CONTENT_TYPE).send(jsonBytes({ __type: error.code, message: error.message }))
}

// Bytes, not a string: fastify appends '; charset=utf-8' to a JSON content type for strings,
// and AWS answers with a bare 'application/x-amz-json-1.1'.
const jsonBytes = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8')
