import { Command, Option } from 'commander'
import { ConfigError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, loadConfig, type ServeFlags } from '../config/config.js'
import { banner } from '../server/banner.js'
import { startServer } from '../server/build-server.js'
import { isClusterWorker, reportReady, startCluster } from '../server/cluster.js'
import { describeStore, openLedger } from '../ledger/open-ledger.js'
import { LATEST_MIGRATION } from '../ledger/sql/migrations.js'
import { StoreError } from '../ledger/postgres/postgres-ledger.js'
import { openLiveCatalog } from '../catalog/live-catalog.js'
import { parseWorld } from '../catalog/world.js'
import { DEMO_WORLD } from '../catalog/demo-world.js'
import { adminTokenFor } from '../server/admin-token.js'
import type { MeterdConfig } from '../config/config.js'
import { AdminRequestError } from '../admin/admin-client.js'
import { registerAdminCommands } from './admin-commands.js'
import { CliError } from './connection.js'
import { registerControlCommands } from './control-commands.js'

const program = new Command('meterd')
  .description('A self-hostable AWS Marketplace Metering Service with a durable usage ledger.')
  .showHelpAfterError()

program
  .command('serve')
  .description('run the AWS Marketplace Metering endpoint (the demo world unless --config is given)')
  .option('-p, --port <port>', `port to listen on (env METERD_PORT, default ${DEFAULT_PORT})`)
  .option('-H, --host <host>', `address to listen on (env METERD_HOST, default ${DEFAULT_HOST})`)
  .option('-d, --data <dir>', `folder of the SQLite ledger and the admin token (env METERD_DATA_DIR, default ${DEFAULT_DATA_DIR})`)
  .option('-c, --config <file>', 'world and settings file, YAML or JSON (env METERD_CONFIG)')
  .option('--store <store>', "'sqlite' (default) or a postgres:// URL (env METERD_STORE)")
  .option('--workers <n>', 'processes serving the port, sharing the store (env METERD_WORKERS, default 1)')
  .addOption(
    new Option(
      '--auth <mode>',
      'strict: verify SigV4 against the world; permissive: accept any credentials (env METERD_AUTH, default strict)',
    ).choices(['strict', 'permissive']),
  )
  .option('--admin-port <port>', 'serve the admin API and public pages on this port instead (default: the same port)')
  .option('--no-quotas', 'switch off the AWS request quotas (token buckets)')
  .option('--log', 'write JSON request logs to stdout (without it, only errors are logged, to stderr)')
  .action(async (flags: ServeFlags & { log?: boolean }) => {
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
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    if (config.workers > 1 && !isClusterWorker()) {
      const handle = await startCluster(config)
      stopServer = handle.stop
      if (stopping) return handle.stop()
      const server = await describeWorld(config)
      console.log(banner(config, server.world, handle.url, server.adminToken))
      return
    }
    const server = await startServer(config, { logger: flags.log ? true : 'errors' })
    stopServer = () => server.close()
    if (stopping) return server.close()
    if (isClusterWorker()) return void reportReady(server.url)
    console.log(banner(config, server.catalog.world(), server.url, server.adminToken))
  })

program
  .command('migrate')
  .description('apply the ledger schema migrations and exit (serve applies them too)')
  .option('-d, --data <dir>', `folder of the SQLite ledger (env METERD_DATA_DIR, default ${DEFAULT_DATA_DIR})`)
  .option('--store <store>', "'sqlite' (default) or a postgres:// URL (env METERD_STORE)")
  .action(async (flags: ServeFlags) => {
    const config = loadConfig(flags)
    const ledger = await openLedger(config.store)
    await ledger.close()
    console.log(`ledger schema is up to date (${LATEST_MIGRATION}) in ${describeStore(config.store)}`)
  })

registerAdminCommands(program)
registerControlCommands(program)

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof CliError || error instanceof StoreError) console.error(`meterd: ${error.message}`)
  else if (error instanceof AdminRequestError) console.error(`meterd: ${error.code}: ${error.message}`)
  else console.error('meterd:', error instanceof Error ? error.message : error)
  process.exit(1)
})

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
