import { z } from 'zod'

/** Query-string fields shared by the list and export routes. */
export const Instant = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text)
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO-8601 date-time or epoch seconds' })
    return z.NEVER
  }
  return ms
})

export const Limit = z.coerce.number().int().min(1).max(1000).default(100)
export const Format = z.enum(['csv', 'ndjson']).default('ndjson')

const cursor = <T extends z.ZodType>(shape: T) =>
  z.string().transform((text, ctx) => {
    try {
      return shape.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')))
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a cursor this API returned' })
      return z.NEVER
    }
  })

export const encodeCursor = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url')

export const RecordCursorParam = cursor(z.strictObject({ receivedAtMs: z.number(), meteringRecordId: z.string() }))
export const AuditCursorParam = cursor(z.strictObject({ timeMs: z.number(), eventId: z.string() }))
export const EventCursorParam = cursor(z.strictObject({ worldVersion: z.number(), position: z.number() }))
export const DeliveryCursorParam = cursor(z.strictObject({ deliveryId: z.string() }))

export const Bool = z.enum(['true', 'false']).transform((v) => v === 'true')

/** Which end of a listing comes first; a cursor continues in the order it was returned in. */
export const Order = z.enum(['oldest-first', 'newest-first']).default('oldest-first')
