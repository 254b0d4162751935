import { Command, Option } from 'commander'
import { ConfigError, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, loadConfig, type ServeFlags } from '../config/config.js'
import { banner } from '../server/banner.js'
import { type MeterdServer, startServer } from '../server/build-server.js'
import { AdminRequestError } from '../admin/admin-client.js'
import { registerAdminCommands } from './admin-commands.js'
import { CliError } from './connection.js'
import { registerControlCommands } from './control-commands.js'

const program = new Command('meterd')
  .description('A self-hostable AWS Marketplace Metering Service with a durable usage ledger.')
  .showHelpAfterError()

program.command('serve')
  .description('run the AWS Marketplace Metering endpoint (the demo world unless --config is given)')
  .option('-p, --port <port>', `port to listen on (env METERD_PORT, default ${DEFAULT_PORT})`)
  .option('-H, --host <host>', `address to listen on (env METERD_HOST, default ${DEFAULT_HOST})`)
  .option('-d, --data <dir>', `folder of the SQLite ledger (env METERD_DATA_DIR, default ${DEFAULT_DATA_DIR})`)
  .option('-c, --config <file>', 'world and settings file, YAML or JSON (env METERD_CONFIG)')
  .addOption(new Option('--auth <mode>', 'strict: verify SigV4 against the world; permissive: accept any credentials (env METERD_AUTH, default strict)')
    .choices(['strict', 'permissive']))
  .option('--admin-port <port>', 'serve the admin API and public pages on this port instead (default: the same port)')
  .option('--no-quotas', 'switch off the AWS request quotas (token buckets)')
  .option('--log', 'write JSON request logs to stdout')
  .action(async (flags: ServeFlags & { log?: boolean }) => {
    const config = loadConfig(flags)
    // Handlers first: a stop signal during start-up must still close the ledger cleanly.
    let server: MeterdServer | undefined
    let stopping = false
    const stop = async () => {
      if (stopping) return
      stopping = true
      await server?.close()
      process.exit(0)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    server = await startServer(config, { logger: flags.log ?? false })
    if (stopping) return server.close()
    console.log(banner(config, server.catalog.world(), server.url, server.adminToken))
  })

registerAdminCommands(program)
registerControlCommands(program)

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof CliError) console.error(`meterd: ${error.message}`)
  else if (error instanceof AdminRequestError) console.error(`meterd: ${error.code}: ${error.message}`)
  else console.error('meterd:', error instanceof Error ? error.message : error)
  process.exit(1)
})
