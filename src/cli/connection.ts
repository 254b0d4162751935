import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { AdminClient } from '../admin/admin-client.js'
import { UserError } from '../shared/errors.js'
import { ADMIN_TOKEN_FILE, DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from '../config/defaults.js'

export interface ConnectionFlags {
  url?: string
  adminToken?: string
  data?: string
}

/** Options every command that talks to a running meterd takes. */
export function withConnection(command: Command): Command {
  return command
    .option('--url <url>', `meterd's address (env METERD_URL, default http://${DEFAULT_HOST}:${DEFAULT_PORT})`)
    .option('--admin-token <token>', 'admin API token (env METERD_ADMIN_TOKEN, default: read from the data folder)')
    .option('-d, --data <dir>', `data folder to read the admin token from (env METERD_DATA_DIR, default ${DEFAULT_DATA_DIR})`)
}

export class CliError extends UserError {}

export function connect(flags: ConnectionFlags): AdminClient {
  const url = flags.url ?? process.env.METERD_URL ?? `http://${DEFAULT_HOST}:${DEFAULT_PORT}`
  let token = flags.adminToken ?? process.env.METERD_ADMIN_TOKEN
  if (!token) {
    const file = join(flags.data ?? process.env.METERD_DATA_DIR ?? DEFAULT_DATA_DIR, ADMIN_TOKEN_FILE)
    try {
      token = readFileSync(file, 'utf8').trim()
    } catch {
      throw new CliError(
        `no admin token: pass --admin-token, set METERD_ADMIN_TOKEN, or point --data at the server's data folder (${file} not found)`,
      )
    }
  }
  return new AdminClient({ url, token })
}

export const print = (value: unknown) => console.log(JSON.stringify(value, null, 2))
