import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { formatIssues } from '../catalog/world.js'
import { SubscriptionError } from '../domain/subscriptions.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { Clock } from '../shared/clock.js'
import type { SubscriptionService } from '../subscriptions/subscription-service.js'
import { keyView } from './views.js'

export interface AdminApiOptions {
  /** Bearer token every admin request must carry. */
  token: string
  subscriptions: SubscriptionService
  keys: KeyRing
  clock: Clock
}

/** An admin error: HTTP status, stable code, message. */
export class AdminError extends Error {
  constructor(readonly statusCode: number, readonly code: string, message: string) {
    super(message)
  }
}

const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
const SubscribeBody = z.strictObject({
  productCode: z.string().min(1),
  accountId: AccountId,
  freeTrial: z.boolean().optional(),
  deliver: z.boolean().optional(),
})
const UnsubscribeBody = z.strictObject({ productCode: z.string().min(1), accountId: AccountId })

/**
 * The seller's control plane under /admin/, behind a bearer token. Never reachable with SigV4
 * credentials: the AWS endpoint and this scope share nothing but the port.
 */
export async function adminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const expected = Buffer.from(`Bearer ${options.token}`)
  app.addHook('onRequest', async (request) => {
    const given = Buffer.from(request.headers.authorization ?? '')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new AdminError(401, 'Unauthorized', 'missing or wrong admin token: send Authorization: Bearer <token>')
    }
  })
  app.setErrorHandler((error, request, reply) => sendAdminError(reply, toAdminError(error, request)))
  app.setNotFoundHandler((request, reply) => sendAdminError(reply, new AdminError(404, 'NotFound', `no admin route ${request.method} ${request.url}`)))

  app.post('/subscriptions', async (request, reply) => {
    const body = parse(SubscribeBody, request.body)
    const result = await options.subscriptions.subscribe(body)
    return reply.code(201).send({
      productCode: body.productCode,
      accountId: body.accountId,
      customerIdentifier: result.customer.identifier,
      licenseArn: result.license.arn,
      createdCustomer: result.createdCustomer,
      createdLicense: result.createdLicense,
      offerType: result.offerType ?? null,
      registrationToken: result.registrationToken,
      tokenExpiresAt: new Date(result.tokenExpiresAtMs).toISOString(),
      fulfillment: result.fulfillment ?? null,
    })
  })

  app.post('/unsubscribe', async (request) => {
    const body = parse(UnsubscribeBody, request.body)
    const ended = await options.subscriptions.unsubscribe(body)
    return { productCode: body.productCode, accountId: body.accountId, endedLicenses: ended.map((l) => ({ licenseArn: l.arn, end: new Date(l.end!).toISOString() })) }
  })

  app.get('/keys', async () => ({ keys: options.keys.list().map(keyView) }))
  app.post('/keys/rotate', async (_request, reply) => {
    const keys = await options.keys.rotate(options.clock.nowMs())
    return reply.code(201).send({ keys: keys.map(keyView) })
  })
}

function parse<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body ?? {})
  if (!result.success) throw new AdminError(400, 'BadRequest', formatIssues(result.error.issues))
  return result.data
}

function toAdminError(error: unknown, request: FastifyRequest): AdminError {
  if (error instanceof AdminError) return error
  if (error instanceof SubscriptionError) {
    return error.reason === 'unknown-product' ? new AdminError(404, 'NotFound', error.message) : new AdminError(409, 'NotSubscribed', error.message)
  }
  const status = (error as { statusCode?: number }).statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    return new AdminError(status, 'BadRequest', (error as Error).message)
  }
  request.log.error({ err: error }, 'admin request failed')
  return new AdminError(500, 'InternalError', 'internal error; see the server log')
}

const sendAdminError = (reply: FastifyReply, error: AdminError) =>
  reply.code(error.statusCode).send({ error: error.code, message: error.message })
