import { decode, encode, Tag } from 'cbor2'
import { AwsError } from '../errors/aws-error.js'

/**
 * Smithy RPC v2 CBOR framing: `POST /service/<Service>/operation/<Operation>` with
 * `smithy-protocol: rpc-v2-cbor`, a CBOR map in and out, timestamps as tag 1 (epoch seconds),
 * errors as a map with `__type` (`<namespace>#<code>`) and `message`. The answer carries the
 * `smithy-protocol` header too: clients refuse one without it.
 */
export const CBOR_CONTENT_TYPE = 'application/cbor'
export const SMITHY_PROTOCOL = 'rpc-v2-cbor'

/** The request body as a plain value (an empty body is an empty input structure). */
export function decodeCborBody(body: Buffer): unknown {
  if (body.length === 0) return {}
  let value: unknown
  try {
    value = decode(body)
  } catch (error) {
    throw new AwsError('SerializationException', `The request body is not valid CBOR: ${(error as Error).message}`)
  }
  return fromTags(value)
}

// Timestamps arrive as tag 1 (cbor2 makes them Dates): the shapes, like JSON's, take epoch seconds.
function fromTags(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000
  if (value instanceof Tag) return fromTags(value.contents)
  if (Array.isArray(value)) return value.map(fromTags)
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromTags(v)]))
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromTags(v)]))
  }
  return value
}

export const cborBytes = (value: unknown): Buffer => Buffer.from(encode(value))
