import { timingSafeEqual } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { LiveCatalog } from '../catalog/live-catalog.js'
import { WorldError } from '../catalog/world.js'
import type { FaultRules } from '../controls/fault-rules.js'
import type { Quotas } from '../controls/quotas.js'
import type { VirtualClock } from '../controls/virtual-clock.js'
import { SubscriptionError } from '../domain/subscriptions.js'
import type { KeyRing } from '../keys/key-ring.js'
import type { Ledger } from '../ledger/ledger.js'
import type { Clock } from '../shared/clock.js'
import type { SubscriptionService } from '../subscriptions/subscription-service.js'
import { AdminError, type RouteBook } from './route-book.js'
import { auditRoutes } from './routes/audit.js'
import { controlRoutes } from './routes/controls.js'
import { overviewRoutes } from './routes/overview.js'
import { recordRoutes } from './routes/records.js'
import { subscriptionRoutes } from './routes/subscriptions.js'
import { notificationRoutes } from './routes/notifications.js'
import { type Dispatcher, SnsApiError } from '../notifications/dispatcher.js'
import { TriggerError } from '../domain/notifications.js'
import { worldRoutes } from './routes/world.js'

export { AdminError } from './route-book.js'

export interface AdminApiOptions {
  /** Bearer token every admin request must carry. */
  token: string
  book: RouteBook
  ledger: Ledger
  catalog: LiveCatalog
  subscriptions: SubscriptionService
  dispatcher: Dispatcher
  keys: KeyRing
  clock: VirtualClock
  faults: FaultRules
  quotas: Quotas
  auditRetentionMs: number
  /** The clock the audit trail's event times come from (the system's: the wire stamps each call). */
  auditClock: Clock
  /** The AWS endpoint's URL, known once the server listens. */
  endpointUrl: () => string
}

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
  app.setNotFoundHandler((request, reply) =>
    sendAdminError(reply, new AdminError(404, 'NotFound', `no admin route ${request.method} ${request.url}`)),
  )

  const { book } = options
  worldRoutes(app, book, { catalog: options.catalog, clock: options.clock, ledger: options.ledger })
  notificationRoutes(app, book, {
    ledger: options.ledger,
    dispatcher: options.dispatcher,
    subscriptions: options.subscriptions,
    clock: options.clock,
  })
  subscriptionRoutes(app, book, {
    subscriptions: options.subscriptions,
    keys: options.keys,
    clock: options.clock,
    catalog: options.catalog,
    ledger: options.ledger,
  })
  recordRoutes(app, book, { ledger: options.ledger, catalog: options.catalog })
  auditRoutes(app, book, { ledger: options.ledger, retentionMs: options.auditRetentionMs })
  controlRoutes(app, book, {
    clock: options.clock,
    faults: options.faults,
    quotas: options.quotas,
    afterClockChange: () => options.subscriptions.tick(),
  })
  overviewRoutes(app, book, {
    ledger: options.ledger,
    catalog: options.catalog,
    clock: options.clock,
    auditClock: options.auditClock,
    faults: options.faults,
    quotas: options.quotas,
    endpointUrl: options.endpointUrl,
    auditRetentionMs: options.auditRetentionMs,
  })
}

function toAdminError(error: unknown, request: FastifyRequest): AdminError {
  if (error instanceof AdminError) return error
  if (error instanceof WorldError) return new AdminError(400, 'BadRequest', error.message)
  if (error instanceof SubscriptionError) return subscriptionAdminError(error)
  if (error instanceof TriggerError) return new AdminError(400, 'BadRequest', error.message)
  if (error instanceof SnsApiError) return new AdminError(error.status, error.status === 404 ? 'NotFound' : 'BadRequest', error.message)
  const status = (error as { statusCode?: number }).statusCode
  if (status !== undefined && status >= 400 && status < 500) {
    return new AdminError(status, 'BadRequest', (error as Error).message)
  }
  request.log.error({ err: error }, 'admin request failed')
  return new AdminError(500, 'InternalError', 'internal error; see the server log')
}

const SUBSCRIPTION_ERRORS: Record<SubscriptionError['reason'], [number, string]> = {
  'unknown-product': [404, 'NotFound'],
  'unknown-offer': [404, 'NotFound'],
  'unknown-agreement': [404, 'NotFound'],
  'offer-not-extended': [403, 'OfferNotExtended'],
  'invalid-contract': [400, 'BadRequest'],
  'not-subscribed': [409, 'NotSubscribed'],
  'agreement-not-active': [409, 'AgreementNotActive'],
}

function subscriptionAdminError(error: SubscriptionError): AdminError {
  const [status, code] = SUBSCRIPTION_ERRORS[error.reason]
  return new AdminError(status, code, error.message)
}

const sendAdminError = (reply: FastifyReply, error: AdminError) =>
  reply.code(error.statusCode).send({ error: error.code, message: error.message })
