import { openLiveCatalog } from '../catalog/live-catalog.js'
import { DEMO_WORLD } from '../catalog/demo-world.js'
import { parseWorld } from '../catalog/world.js'
import { loadConfig, type MeterdConfig, type ServeFlags } from '../config/config.js'
import { describeStore } from '../ledger/store.js'
import { adminTokenFor } from '../server/admin-token.js'
import { banner } from '../server/banner.js'
import { startServer } from '../server/build-server.js'
import { isClusterWorker, reportReady, startCluster } from '../server/cluster.js'
import { LATEST_MIGRATION, openLedger } from '../server/open-store.js'

// The commands that run a server or open the store, loaded only when one of them runs: every
// other command only talks to a running meterd and starts faster without the server's modules.

/** `meterd serve` */
export async function serve(flags: ServeFlags & { log?: boolean }): Promise<void> {
  const config = loadConfig(flags)
  // Handlers first: a stop signal during start-up must still close the ledger cleanly.
  let stopServer: (() => Promise<void>) | undefined
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await stopServer?.()
    process.exit(0)
  }
  process.on('SIGINT', () => void stop())
  process.on('SIGTERM', () => void stop())
  if (config.workers > 1 && !isClusterWorker()) {
    const handle = await startCluster(config)
    stopServer = () => handle.stop()
    if (stopping) return handle.stop()
    const server = await describeWorld(config)
    const adminUrl = config.adminPort === undefined ? handle.url : handle.url.replace(/:\d+$/, `:${config.adminPort}`)
    console.log(banner(config, server.world, handle.url, server.adminToken, adminUrl))
    return
  }
  const server = await startServer(config, { logger: flags.log ? true : 'errors' })
  stopServer = () => server.close()
  if (stopping) return server.close()
  if (isClusterWorker()) return void reportReady(server.url)
  console.log(banner(config, server.catalog.world(), server.url, server.adminToken, server.adminUrl))
}

/** `meterd migrate` */
export async function migrate(flags: ServeFlags): Promise<void> {
  const config = loadConfig(flags)
  const ledger = await openLedger(config.store)
  await ledger.close()
  console.log(`ledger schema is up to date (${LATEST_MIGRATION}) in ${describeStore(config.store)}`)
}

/** The world and admin token, for the banner of a cluster's primary (which serves nothing itself). */
async function describeWorld(config: MeterdConfig) {
  const ledger = await openLedger(config.store)
  try {
    const catalog = await openLiveCatalog(ledger, { fallback: parseWorld(DEMO_WORLD), atMs: Date.now() })
    return { world: catalog.world(), adminToken: adminTokenFor(config.dataDir, config.adminToken) }
  } finally {
    await ledger.close()
  }
}
