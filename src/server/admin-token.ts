import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ADMIN_TOKEN_FILE } from '../config/defaults.js'

/** The configured admin token, or the one kept in the data folder (created, 0600, on first start). */
export function adminTokenFor(dataDir: string, configured?: string): string {
  if (configured) return configured
  const file = join(dataDir, ADMIN_TOKEN_FILE)
  try {
    return readFileSync(file, 'utf8').trim()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  mkdirSync(dataDir, { recursive: true })
  const token = randomBytes(24).toString('base64url')
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' })
  return token
}
