import { AwsError, type AwsErrorCode } from '../errors/aws-error.js'

/**
 * A small declarative description of the service model's input shapes, and the checker that
 * enforces it the way AWS's Coral front end does:
 *   1. JSON types → SerializationException (the request cannot be read at all);
 *   2. constraints (required, length, pattern, range, list size) → one ValidationException
 *      that lists every violation, worded and addressed as AWS words them
 *      ("Value 'x' at 'usageRecords.1.member.dimension' failed to satisfy constraint: ...").
 * Unknown members are ignored, as AWS does, so newer and older clients both work.
 */
export type Shape = StringShape | IntegerShape | BooleanShape | TimestampShape | ListShape | MapShape | StructureShape

export interface StringShape {
  kind: 'string'
  min?: number
  max?: number
  pattern?: string
  enum?: readonly string[]
}
export interface IntegerShape {
  kind: 'integer'
  min?: number
  max?: number
}
export interface BooleanShape {
  kind: 'boolean'
}
export interface TimestampShape {
  kind: 'timestamp'
}
export interface ListShape<M extends Shape = Shape> {
  kind: 'list'
  member: M
  min?: number
  max?: number
}
export interface MapShape<V extends Shape = Shape> {
  kind: 'map'
  key: StringShape
  value: V
}
export interface StructureShape<M extends Members = Members> {
  kind: 'structure'
  members: M
}
export type Members = Record<string, { shape: Shape; required?: boolean }>

export const string = (c: Omit<StringShape, 'kind'> = {}): StringShape => ({ kind: 'string', ...c })
export const integer = (c: Omit<IntegerShape, 'kind'> = {}): IntegerShape => ({ kind: 'integer', ...c })
export const boolean = (): BooleanShape => ({ kind: 'boolean' })
export const timestamp = (): TimestampShape => ({ kind: 'timestamp' })
export const list = <M extends Shape>(member: M, c: { min?: number; max?: number } = {}): ListShape<M> => ({ kind: 'list', member, ...c })
export const map = <V extends Shape>(key: StringShape, value: V): MapShape<V> => ({ kind: 'map', key, value })
export const structure = <M extends Members>(members: M): StructureShape<M> => ({ kind: 'structure', members })
export const required = <S extends Shape>(shape: S) => ({ shape, required: true as const })
export const optional = <S extends Shape>(shape: S) => ({ shape, required: false as const })

/** The TypeScript type a shape checks to. Timestamps arrive as epoch seconds (possibly fractional). */
export type Infer<S> = S extends StringShape
  ? string
  : S extends IntegerShape
    ? number
    : S extends BooleanShape
      ? boolean
      : S extends TimestampShape
        ? number
        : S extends ListShape<infer M>
          ? Infer<M>[]
          : S extends MapShape<infer V>
            ? { [key: string]: Infer<V> | undefined }
            : S extends StructureShape<infer M>
              ? InferMembers<M>
              : never

type InferMembers<M extends Members> = { [K in keyof M as M[K]['required'] extends true ? K : never]: Infer<M[K]['shape']> } & {
  [K in keyof M as M[K]['required'] extends true ? never : K]?: Infer<M[K]['shape']>
}

const MAX_REPORTED_VIOLATIONS = 10
const INT32_MAX = 2147483647
const INT32_MIN = -2147483648

/**
 * Checks `value` against `shape` and returns it typed, or throws the AWS error. Constraint
 * violations are `validationError`: ValidationException, or the error a service models for
 * them (the Entitlement Service's InvalidParameterException).
 */
export function check<S extends StructureShape>(shape: S, value: unknown, validationError: AwsErrorCode = 'ValidationException'): Infer<S> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new AwsError('SerializationException', 'Start of structure or map found where not expected.')
  }
  checkTypes(shape, value)
  const violations: string[] = []
  checkConstraints(shape, value, '', violations)
  if (violations.length > 0) {
    const n = violations.length
    const shown = violations.slice(0, MAX_REPORTED_VIOLATIONS)
    throw new AwsError(validationError, `${n} validation error${n === 1 ? '' : 's'} detected: ${shown.join('; ')}`)
  }
  return value as Infer<S>
}

function jsonTypeName(value: unknown): string {
  if (value === null) return 'VALUE_NULL'
  if (Array.isArray(value)) return 'START_ARRAY'
  switch (typeof value) {
    case 'string':
      return 'VALUE_STRING'
    case 'number':
      return Number.isInteger(value) ? 'VALUE_NUMBER_INT' : 'VALUE_NUMBER_FLOAT'
    case 'boolean':
      return value ? 'VALUE_TRUE' : 'VALUE_FALSE'
    default:
      return 'START_OBJECT'
  }
}

function serializationError(value: unknown, target: string): AwsError {
  return new AwsError('SerializationException', `${jsonTypeName(value)} can not be converted to ${target}`)
}

// Step 1: types. null is accepted anywhere and means "absent", as both SDKs treat it.
function checkTypes(shape: Shape, value: unknown): void {
  if (value === null || value === undefined) return
  switch (shape.kind) {
    case 'string':
      if (typeof value !== 'string') throw serializationError(value, 'a String')
      return
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw serializationError(value, 'an Integer')
      if (value > INT32_MAX || value < INT32_MIN) {
        throw new AwsError('SerializationException', `Numeric value (${value}) out of range of int`)
      }
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw serializationError(value, 'a Boolean')
      return
    case 'timestamp':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw serializationError(value, 'a Timestamp')
      return
    case 'list':
      if (!Array.isArray(value)) throw serializationError(value, 'a List')
      for (const item of value) checkTypes(shape.member, item)
      return
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) throw serializationError(value, 'a Map')
      for (const item of Object.values(value as Record<string, unknown>)) checkTypes(shape.value, item)
      return
    case 'structure': {
      if (typeof value !== 'object' || Array.isArray(value)) throw serializationError(value, 'a Structure')
      const record = value as Record<string, unknown>
      for (const [name, member] of Object.entries(shape.members)) checkTypes(member.shape, record[name])
      return
    }
  }
}

const lowerFirst = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1)
const codePoints = (text: string): number => {
  let n = 0
  for (const _ of text) n++
  return n
}
const regexCache = new Map<string, RegExp>()
// The pattern is compiled verbatim (u flag off, like Java): the tag pattern's " -=" is a range
// from space to '=', and AWS accepts everything in it.
const compiled = (pattern: string): RegExp => {
  let re = regexCache.get(pattern)
  if (!re) regexCache.set(pattern, (re = new RegExp(pattern)))
  return re
}

function render(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (typeof value === 'string') return `'${value}'`
  return `'${JSON.stringify(value)}'`
}

// Step 2: constraints, in member order, with AWS's member paths.
function checkConstraints(shape: Shape, value: unknown, path: string, out: string[]): void {
  const fail = (constraint: string) =>
    out.push(`Value ${render(value)} at '${path}' failed to satisfy constraint: Member must ${constraint}`)
  switch (shape.kind) {
    case 'string': {
      const s = value as string
      const length = codePoints(s)
      if (shape.min !== undefined && length < shape.min) fail(`have length greater than or equal to ${shape.min}`)
      if (shape.max !== undefined && length > shape.max) fail(`have length less than or equal to ${shape.max}`)
      if (shape.pattern !== undefined && !compiled(shape.pattern).test(s)) {
        fail(`satisfy regular expression pattern: ${shape.pattern}`)
      }
      if (shape.enum !== undefined && !shape.enum.includes(s)) fail(`satisfy enum value set: [${shape.enum.join(', ')}]`)
      return
    }
    case 'map': {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        const keyProblems: string[] = []
        checkConstraints(shape.key, key, path, keyProblems)
        for (const problem of keyProblems) {
          const constraint = problem.slice(problem.indexOf('failed to satisfy constraint: ') + 'failed to satisfy constraint: '.length)
          out.push(`Value ${render(key)} at '${path}' failed to satisfy constraint: Map keys must satisfy constraint: [${constraint}]`)
        }
        const itemPath = `${path}.${key}`
        if (item === null || item === undefined)
          out.push(`Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`)
        else checkConstraints(shape.value, item, itemPath, out)
      }
      return
    }
    case 'integer': {
      const n = value as number
      if (shape.min !== undefined && n < shape.min) fail(`have value greater than or equal to ${shape.min}`)
      if (shape.max !== undefined && n > shape.max) fail(`have value less than or equal to ${shape.max}`)
      return
    }
    case 'list': {
      const items = value as unknown[]
      if (shape.min !== undefined && items.length < shape.min) fail(`have length greater than or equal to ${shape.min}`)
      if (shape.max !== undefined && items.length > shape.max) fail(`have length less than or equal to ${shape.max}`)
      items.forEach((item, i) => {
        const itemPath = `${path}.${i + 1}.member`
        if (item === null || item === undefined) {
          out.push(`Value null at '${itemPath}' failed to satisfy constraint: Member must not be null`)
        } else {
          checkConstraints(shape.member, item, itemPath, out)
        }
      })
      return
    }
    case 'structure': {
      const record = value as Record<string, unknown>
      for (const [name, member] of Object.entries(shape.members)) {
        const memberPath = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name)
        const memberValue = record[name]
        if (memberValue === null || memberValue === undefined) {
          if (member.required) out.push(`Value null at '${memberPath}' failed to satisfy constraint: Member must not be null`)
          continue
        }
        checkConstraints(member.shape, memberValue, memberPath, out)
      }
      return
    }
    default:
      return
  }
}
