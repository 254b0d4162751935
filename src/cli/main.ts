import { Command, Option } from 'commander'
import { AdminRequestError } from '../admin/admin-client.js'
import type { ServeFlags } from '../config/config.js'
import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config/defaults.js'
import { UserError } from '../shared/errors.js'
import { registerAdminCommands } from './admin-commands.js'
import { registerControlCommands } from './control-commands.js'
import { registerNotificationCommands } from './notification-commands.js'

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
  .action(async (flags: ServeFlags & { log?: boolean }) => (await import('./serve.js')).serve(flags))

program
  .command('migrate')
  .description('apply the ledger schema migrations and exit (serve applies them too)')
  .option('-d, --data <dir>', `folder of the SQLite ledger (env METERD_DATA_DIR, default ${DEFAULT_DATA_DIR})`)
  .option('--store <store>', "'sqlite' (default) or a postgres:// URL (env METERD_STORE)")
  .action(async (flags: ServeFlags) => (await import('./serve.js')).migrate(flags))

const events = registerAdminCommands(program)
registerControlCommands(program)
registerNotificationCommands(program, events)

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof AdminRequestError) console.error(`meterd: ${error.code}: ${error.message}`)
  else if (error instanceof UserError) console.error(`meterd: ${error.message}`)
  else console.error('meterd:', error instanceof Error ? error.message : error)
  process.exit(1)
})
