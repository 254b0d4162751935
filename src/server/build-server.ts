import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { adminApi } from '../admin/admin-api.js'
import { RouteBook } from '../admin/route-book.js'
import { DEMO_WORLD } from '../catalog/demo-world.js'
import { type LiveCatalog, openLiveCatalog } from '../catalog/live-catalog.js'
import { parseWorld } from '../catalog/world.js'
import type { MeterdConfig } from '../config/config.js'
import { type FaultRules, openFaultRules } from '../controls/fault-rules.js'
import { openQuotas, type Quotas } from '../controls/quotas.js'
import { openVirtualClock, type VirtualClock } from '../controls/virtual-clock.js'
import { type KeyRing, openKeyRing } from '../keys/key-ring.js'
import type { Ledger } from '../ledger/ledger.js'
import { openLedger } from './open-store.js'
import { createAuditTrail } from '../observability/audit-trail.js'
import { createMetrics } from '../observability/metrics.js'
import { createCallContext } from '../operations/call-context.js'
import type { OperationContext } from '../operations/operation.js'
import { entitlementService } from '../operations/entitlement-service.js'
import { meteringService } from '../operations/metering-service.js'
import { awsJsonEndpoint } from '../protocol/aws-json-endpoint.js'
import type { CallReport } from '../protocol/service.js'
import { publicKeys } from '../public/public-keys.js'
import { subscribePages } from '../public/subscribe-pages.js'
import { type Clock, systemClock } from '../shared/clock.js'
import { consolePages } from '../console/console-pages.js'
import { createSubscriptionService } from '../subscriptions/subscription-service.js'
import { createDispatcher } from '../notifications/dispatcher.js'
import { createSenders } from '../notifications/senders.js'
import { openSigningCertificate } from '../notifications/signing-certificate.js'
import { snsEndpoint } from '../public/sns-endpoint.js'
import { adminTokenFor } from './admin-token.js'
import { operationsRoutes } from './operations-routes.js'

const SHARED_REFRESH_MS = 1000
const NOTIFICATION_POLL_MS = 250
/** How long a subscription waits for its notifications to go out before the fulfillment POST. */
const NOTIFY_BEFORE_FULFILLMENT_MS = 3000

export interface MeterdServer {
  app: FastifyInstance
  ledger: Ledger
  catalog: LiveCatalog
  keys: KeyRing
  clock: VirtualClock
  faults: FaultRules
  quotas: Quotas
  /** The AWS endpoint, e.g. http://127.0.0.1:6387 */
  url: string
  /** Where the admin API (/admin/) and public pages are served: `url` unless an admin port is set. */
  adminUrl: string
  adminToken: string
  close(): Promise<void>
}

export interface BuildOptions {
  /** The real clock underneath the virtual one (tests pin it). */
  clock?: Clock
  /** true: JSON request logs on stdout; 'errors': only errors, on stderr; false: silent (tests). */
  logger?: boolean | 'errors'
}

/**
 * Composition root: opens the ledger, the stored world, the signing keys and the controls, then
 * serves the AWS endpoint (POST /), the admin API (/admin/, bearer token), the web console
 * (/console/, a client of the admin API), the public pages (RegisterUsage public keys, the
 * subscribe page) and health/metrics.
 */
export async function startServer(config: MeterdConfig, options: BuildOptions = {}): Promise<MeterdServer> {
  const realClock = options.clock ?? systemClock
  let metrics: ReturnType<typeof createMetrics> | undefined
  const ledger = await openLedger(config.store, (jobs) => metrics?.observeCommit(jobs))
  const apps: FastifyInstance[] = []
  try {
    const clock = await openVirtualClock(ledger, realClock)
    const catalog = await openLiveCatalog(ledger, {
      configWorld: config.configWorld,
      fallback: parseWorld(DEMO_WORLD),
      atMs: clock.nowMs(),
    })
    const keys = await openKeyRing(ledger, clock.nowMs())
    const faults = await openFaultRules(ledger, realClock)
    // Token buckets live in the ledger only where several nodes are expected to share it.
    const shared = config.store.kind === 'postgres' || config.workers > 1
    const quotas = await openQuotas(ledger, realClock, config.quotas, shared)
    const certificate = await openSigningCertificate(ledger, realClock.nowMs())
    let publicUrl = config.notifications.publicUrl
    const adminToken = adminTokenFor(config.dataDir, config.adminToken)
    metrics = createMetrics(cachedCount(ledger))

    const newApp = () => {
      const app = Fastify({
        logger: options.logger === 'errors' ? { level: 'error', stream: process.stderr } : (options.logger ?? false),
        genReqId: () => randomUUID(),
        keepAliveTimeout: 65_000, // AWS keeps connections alive; SDKs reuse them
        return503OnClosing: true,
      })
      apps.push(app)
      return app
    }
    const app = newApp()
    const adminApp = config.adminPort === undefined ? app : newApp()
    const audit = createAuditTrail({ ledger, realClock, retentionMs: config.auditRetentionMs, log: app.log })
    const dispatcher = createDispatcher({
      ledger,
      world: () => catalog.world(),
      clock,
      // Retries and leases are about the seller's endpoints, which live in real time.
      realClock: systemClock,
      senders: createSenders({ timeoutMs: config.notifications.timeoutMs }),
      certificate,
      settings: config.notifications.settings,
      publicUrl: () => publicUrl!,
      ...(config.notifications.signingCertUrl ? { signingCertUrl: config.notifications.signingCertUrl } : {}),
      log: app.log,
    })
    const subscriptions = createSubscriptionService({
      catalog,
      ledger,
      clock,
      tokenTtlMs: config.registrationTokenTtlMs,
      policy: { finalMeteringMs: config.windows.finalMeteringMs },
      beforeFulfillment: () => dispatcher.flush(NOTIFY_BEFORE_FULFILLMENT_MS),
    })
    const onCall = (report: CallReport) => {
      audit.record(report)
      metrics!.observeCall(report.operation, report.error?.code ?? 'Success', report.durationMs)
      countRecords(report, metrics!)
    }
    await app.register(awsJsonEndpoint<OperationContext>, {
      services: [meteringService, entitlementService],
      auth: config.auth,
      findSigningIdentity: (accessKeyId) => catalog.findSigningIdentity(accessKeyId),
      prepare: createCallContext({
        catalog,
        ledger,
        clock,
        keys,
        quotas,
        faults,
        windows: config.windows,
        anonymousBuyerAccountId: config.anonymousBuyerAccountId ?? firstLicensedAccount(catalog),
      }),
      onCall,
    })
    const book = new RouteBook()
    await adminApp.register(adminApi, {
      prefix: '/admin',
      token: adminToken,
      book,
      ledger,
      catalog,
      subscriptions,
      dispatcher,
      keys,
      clock,
      faults,
      quotas,
      auditRetentionMs: config.auditRetentionMs,
      auditClock: systemClock,
      endpointUrl: () => addressOf(app, config.host),
    })
    await adminApp.register(publicKeys, { keys })
    await adminApp.register(subscribePages, { catalog, subscriptions })
    await adminApp.register(snsEndpoint, { dispatcher })
    await adminApp.register(consolePages)
    await adminApp.register(operationsRoutes, { ledger, metrics, openapi: () => book.openapi({ title: 'meterd admin API', version: '1' }) })
    if (adminApp !== app)
      await app.register(operationsRoutes, { ledger, metrics, openapi: () => book.openapi({ title: 'meterd admin API', version: '1' }) })

    // Other nodes (or another meterd on the same SQLite file) may change the world and the
    // controls: re-read them every second. Cheap reads; the world document only when its version moved.
    // The same tick applies the lifecycle transitions the clock has made due (trials and terms
    // ending, final-metering windows closing); with several nodes, the world's version decides
    // which node writes them.
    const refresher = setInterval(() => {
      Promise.all([catalog.refresh(), clock.refresh(), keys.refresh(), faults.refresh(), quotas.refresh()])
        .then(() => subscriptions.tick())
        .catch((error: unknown) => app.log.error({ err: error }, 'refreshing shared state failed'))
    }, SHARED_REFRESH_MS)
    refresher.unref()

    await app.listen({ port: config.port, host: config.host })
    if (adminApp !== app) await adminApp.listen({ port: config.adminPort!, host: config.host })
    const url = addressOf(app, config.host)
    publicUrl ??= addressOf(adminApp, config.host)
    await dispatcher.start()
    const notifier = setInterval(() => {
      dispatcher.run().catch((error: unknown) => app.log.error({ err: error }, 'sending notifications failed'))
    }, NOTIFICATION_POLL_MS)
    notifier.unref()
    return {
      app,
      ledger,
      catalog,
      keys,
      clock,
      faults,
      quotas,
      url,
      adminUrl: addressOf(adminApp, config.host),
      adminToken,
      async close() {
        clearInterval(refresher)
        clearInterval(notifier)
        for (const a of apps) await a.close() // stop accepting, wait for in-flight requests
        await dispatcher.close()
        await audit.close()
        await ledger.close() // then the last commit
      },
    }
  } catch (error) {
    for (const a of apps) await a.close().catch(() => undefined)
    await ledger.close()
    throw error
  }
}

function addressOf(app: FastifyInstance, host: string): string {
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** In permissive mode an unknown caller of MeterUsage/RegisterUsage acts as the first licensed buyer. */
function firstLicensedAccount(catalog: LiveCatalog): string | undefined {
  const world = catalog.world()
  const customer = world.customers.find((c) => world.licenses.some((l) => l.customer === c.identifier))
  return customer?.accountId
}

function countRecords(report: CallReport, metrics: ReturnType<typeof createMetrics>): void {
  const output = report.output as { Results?: { Status?: string }[]; UnprocessedRecords?: unknown[]; MeteringRecordId?: string } | undefined
  if (!output) return
  if (report.operation === 'MeterUsage' && output.MeteringRecordId) metrics.observeRecords('Success', 1)
  for (const result of output.Results ?? []) metrics.observeRecords(result.Status ?? 'Unknown', 1)
  if (output.UnprocessedRecords?.length) metrics.observeRecords('Unprocessed', output.UnprocessedRecords.length)
}

/** COUNT(*) scans the table; scrapes every few seconds need not pay that each time. */
function cachedCount(ledger: Ledger): () => Promise<number> {
  let cached: { atMs: number; value: Promise<number> } | undefined
  return () => {
    if (!cached || Date.now() - cached.atMs > 10_000) cached = { atMs: Date.now(), value: ledger.countRecords() }
    return cached.value
  }
}
