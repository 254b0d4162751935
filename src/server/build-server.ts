import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { createMemoryCatalog } from '../catalog/catalog.js'
import type { MeterdConfig } from '../config/config.js'
import type { Ledger } from '../ledger/ledger.js'
import { createSqliteLedger } from '../ledger/sqlite/sqlite-ledger.js'
import { awsJsonEndpoint } from '../protocol/aws-json-endpoint.js'
import { type Clock, systemClock } from '../shared/clock.js'

export interface MeterdServer {
  app: FastifyInstance
  ledger: Ledger
  /** The address it listens on, e.g. http://127.0.0.1:6387 */
  url: string
  close(): Promise<void>
}

export interface BuildOptions {
  clock?: Clock
  logger?: boolean
}

/** Composition root: wires catalog, ledger and the AWS endpoint, then listens. */
export async function startServer(config: MeterdConfig, options: BuildOptions = {}): Promise<MeterdServer> {
  const ledger = await createSqliteLedger({ dataDir: config.dataDir })
  const app = Fastify({
    logger: options.logger ?? false,
    genReqId: () => randomUUID(),
    // AWS answers every request on a kept-alive connection; so do we.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
  })
  await app.register(awsJsonEndpoint, {
    catalog: createMemoryCatalog(config.world),
    ledger,
    clock: options.clock ?? systemClock,
    windows: config.windows,
    auth: config.auth,
    anonymousBuyerAccountId: config.anonymousBuyerAccountId,
  })
  try {
    await app.listen({ port: config.port, host: config.host })
  } catch (error) {
    await ledger.close()
    throw error
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const host = config.host.includes(':') ? `[${config.host}]` : config.host
  return {
    app,
    ledger,
    url: `http://${host}:${port}`,
    async close() {
      await app.close() // stops accepting, waits for in-flight requests
      await ledger.close() // then the last commit
    },
  }
}
