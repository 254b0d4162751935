import type { Credential } from '../domain/world.js'
import type { AwsError, AwsErrorCode } from '../errors/aws-error.js'
import { check, type Infer, type StructureShape } from './shape.js'

/** Who called, as established by the wire layer. */
export interface Caller {
  /** Undefined only for unknown keys in permissive auth mode. */
  accountId?: string
  accessKeyId?: string
  /** The region the request was signed for. */
  signingRegion?: string
  credential?: Credential
}

/** An AWS operation: its input shape (AWS member names) and what it does with a context `Ctx`. No HTTP in here. */
export interface Operation<Ctx, S extends StructureShape = StructureShape> {
  name: string
  input: S
  run(input: Infer<S>, ctx: Ctx): Promise<object>
}

/** An operation as a service serves it: the body is checked against the input shape, then run. */
export interface ServedOperation<Ctx> {
  name: string
  invoke(params: unknown, ctx: Ctx): Promise<object>
}

/**
 * One AWS service: its operations, reached by `X-Amz-Target: <targetPrefix>.<operation>` (AWS JSON
 * 1.1) or by `POST /service/<name>/operation/<operation>` (Smithy RPC v2 CBOR).
 */
export interface AwsService<Ctx> {
  targetPrefix: string
  /** The Smithy service shape's name, e.g. `AWSMPEntitlementService`. */
  name: string
  /** The Smithy namespace: RPC v2 CBOR errors name their type `<namespace>#<code>`. */
  namespace: string
  /** Whether the service speaks Smithy RPC v2 CBOR besides AWS JSON 1.1. */
  cbor: boolean
  /** A Map, not an object: names come from the network, and no prototype member may ever match. */
  operations: ReadonlyMap<string, ServedOperation<Ctx>>
}

/** An operation as a service serves it; constraint violations are `validationError` (default ValidationException). */
export const served = <Ctx, S extends StructureShape>(op: Operation<Ctx, S>, validationError?: AwsErrorCode): ServedOperation<Ctx> => ({
  name: op.name,
  invoke: (params, ctx) => op.run(check(op.input, params, validationError), ctx),
})

export function defineService<Ctx>(
  service: Omit<AwsService<Ctx>, 'operations' | 'cbor'> & { cbor?: boolean },
  operations: readonly ServedOperation<Ctx>[],
): AwsService<Ctx> {
  return { ...service, cbor: service.cbor ?? false, operations: new Map(operations.map((op) => [op.name, op])) }
}

/** A call that passed framing and authentication, about to run. */
export interface PreparedCall {
  operation: string
  caller: Caller
  requestId: string
  /** The parsed request body (not yet checked against the input shape). */
  params: unknown
  /** Marks the call as shaped by a quota or a fault rule (audit trail). */
  markInjected(tag: string): void
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
