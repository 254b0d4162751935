import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { adminApi } from '../admin/admin-api.js'
import { DEMO_WORLD } from '../catalog/demo-world.js'
import { type LiveCatalog, openLiveCatalog } from '../catalog/live-catalog.js'
import { parseWorld } from '../catalog/world.js'
import type { MeterdConfig } from '../config/config.js'
import { type KeyRing, openKeyRing } from '../keys/key-ring.js'
import type { Ledger } from '../ledger/ledger.js'
import { createSqliteLedger } from '../ledger/sqlite/sqlite-ledger.js'
import { awsJsonEndpoint } from '../protocol/aws-json-endpoint.js'
import { publicKeys } from '../public/public-keys.js'
import { subscribePages } from '../public/subscribe-pages.js'
import { type Clock, systemClock } from '../shared/clock.js'
import { createSubscriptionService } from '../subscriptions/subscription-service.js'
import { adminTokenFor } from './admin-token.js'

export interface MeterdServer {
  app: FastifyInstance
  ledger: Ledger
  catalog: LiveCatalog
  keys: KeyRing
  /** The address it listens on, e.g. http://127.0.0.1:6387 */
  url: string
  adminToken: string
  close(): Promise<void>
}

export interface BuildOptions {
  clock?: Clock
  logger?: boolean
}

/**
 * Composition root: opens the ledger, the stored world and the signing keys, then serves three
 * scopes on one port: the AWS endpoint (POST /), the admin API (/admin/, bearer token) and the
 * public pages (RegisterUsage public keys, the buyer's subscribe page).
 */
export async function startServer(config: MeterdConfig, options: BuildOptions = {}): Promise<MeterdServer> {
  const clock = options.clock ?? systemClock
  const ledger = await createSqliteLedger({ dataDir: config.dataDir })
  try {
    const catalog = await openLiveCatalog(ledger, { configWorld: config.configWorld, fallback: parseWorld(DEMO_WORLD), atMs: clock.nowMs() })
    const keys = await openKeyRing(ledger, clock.nowMs())
    const subscriptions = createSubscriptionService({ catalog, ledger, clock, tokenTtlMs: config.registrationTokenTtlMs })
    const adminToken = adminTokenFor(config.dataDir, config.adminToken)
    const app = Fastify({
      logger: options.logger ?? false,
      genReqId: () => randomUUID(),
      // AWS keeps connections alive; SDKs reuse them.
      keepAliveTimeout: 65_000,
      return503OnClosing: true,
    })
    await app.register(awsJsonEndpoint, {
      catalog,
      ledger,
      clock,
      keys,
      windows: config.windows,
      auth: config.auth,
      anonymousBuyerAccountId: config.anonymousBuyerAccountId ?? firstLicensedAccount(catalog),
    })
    await app.register(adminApi, { prefix: '/admin', token: adminToken, subscriptions, keys, clock })
    await app.register(publicKeys, { keys })
    await app.register(subscribePages, { catalog, subscriptions })
    await app.listen({ port: config.port, host: config.host })
    const address = app.server.address()
    const port = typeof address === 'object' && address ? address.port : config.port
    const host = config.host.includes(':') ? `[${config.host}]` : config.host
    return {
      app,
      ledger,
      catalog,
      keys,
      url: `http://${host}:${port}`,
      adminToken,
      async close() {
        await app.close() // stops accepting, waits for in-flight requests
        await ledger.close() // then the last commit
      },
    }
  } catch (error) {
    await ledger.close()
    throw error
  }
}

/** In permissive mode an unknown caller of MeterUsage/RegisterUsage acts as the first licensed buyer. */
function firstLicensedAccount(catalog: LiveCatalog): string | undefined {
  const world = catalog.world()
  const customer = world.customers.find((c) => world.licenses.some((l) => l.customer === c.identifier))
  return customer?.accountId
}
