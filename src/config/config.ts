import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { formatIssues, parseWorld, WorldError } from '../catalog/world.js'
import type { World } from '../domain/world.js'
import { LIFECYCLE_EVENT_TYPES } from '../domain/lifecycle-event.js'
import { DEFAULT_NOTIFICATION_SETTINGS, type NotificationSettings } from '../domain/notifications.js'
import { DEFAULT_WINDOWS, type MeteringWindows } from '../domain/metering-windows.js'
import { DEFAULT_QUOTAS, QuotaSettings } from '../controls/quotas.js'
import type { StoreLocation } from '../ledger/store.js'
import { UserError } from '../shared/errors.js'
import { parseDurationMs } from '../shared/time.js'

import { DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT } from './defaults.js'

export const DEFAULT_REGISTRATION_TOKEN_TTL_MS = 4 * 60 * 60 * 1000
export const DEFAULT_AUDIT_RETENTION_MS = 30 * 24 * 60 * 60 * 1000
export const DEFAULT_DELIVERY_TIMEOUT_MS = 15_000

/** strict: SigV4 verified against the world's keys; permissive: any credentials, or none. */
export type AuthMode = 'strict' | 'permissive'

/** Everything `meterd serve` runs with, resolved once at start from flags, env and the config file. */
export interface MeterdConfig {
  port: number
  host: string
  /** Folder of the SQLite ledger and the admin token file. */
  dataDir: string
  store: StoreLocation
  /** Processes serving the same port (cluster); 1 = this process only. */
  workers: number
  auth: AuthMode
  windows: MeteringWindows
  /** The world of the config file, merged over the stored one at start; undefined: keep the stored world (the demo world at first start). */
  configWorld?: World
  /** Where the world came from: the built-in demo or a config file path. */
  worldSource: string
  /** In permissive mode, the buyer account that callers with unknown keys act as for MeterUsage. */
  anonymousBuyerAccountId?: string
  /** How long a registration token resolves (AWS: 4 hours). */
  registrationTokenTtlMs: number
  /** Bearer token of the admin API; undefined: generated on first start and kept in the data folder. */
  adminToken?: string
  /** Serve the admin API and public pages on this port instead of the AWS endpoint's. */
  adminPort?: number
  quotas: QuotaSettings
  /** How long audit events are kept. */
  auditRetentionMs: number
  notifications: NotificationConfig
}

export interface NotificationConfig {
  settings: NotificationSettings
  /** Where meterd's SNS endpoint (/sns/) is reached from the seller's endpoints; undefined: the admin URL. */
  publicUrl?: string
  /** The SigningCertURL advertised instead of meterd's own. */
  signingCertUrl?: string
  /** How long one delivery attempt may take (SNS: 15 s). */
  timeoutMs: number
}

/** Flags of `meterd serve`; each falls back to its environment variable, then to the default. */
export interface ServeFlags {
  port?: string | number
  host?: string
  data?: string
  config?: string
  auth?: string
  store?: string
  workers?: string
  adminPort?: string
  /** `--no-quotas` */
  quotas?: boolean
}

const Duration = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value * 1000 : parseDurationMs(value)
  if (ms === undefined || ms < 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a duration such as 24h, 90m, 30s or a number of seconds' })
    return z.NEVER
  }
  return ms
})

const SettingsSchema = z
  .strictObject({
    auth: z.enum(['strict', 'permissive']).optional(),
    anonymousBuyerAccount: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    registrationTokenTtl: Duration.optional(),
    adminPort: z.number().int().min(0).max(65535).optional(),
    quotas: z
      .strictObject({
        enabled: z.boolean().optional(),
        rates: QuotaSettings.shape.rates.optional(),
      })
      .optional(),
    auditRetention: Duration.optional(),
    adminToken: z.string().min(16, 'must be at least 16 characters').optional(),
    notifications: z
      .strictObject({
        publicUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
        signingCertUrl: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
        offerIdentifier: z.enum(['all', 'private-offers', 'subscribe-actions', 'never']).optional(),
        delays: z.partialRecord(z.enum(LIFECYCLE_EVENT_TYPES), Duration).optional(),
        timeout: Duration.optional(),
      })
      .optional(),
    windows: z
      .strictObject({
        batchMaxAge: Duration.optional(),
        batchMonthEndGrace: Duration.optional(),
        meterMaxAge: Duration.optional(),
        futureTolerance: Duration.optional(),
        finalMetering: Duration.optional(),
      })
      .optional(),
  })
  .default({})

export class ConfigError extends UserError {}

export function loadConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): MeterdConfig {
  const configFile = flags.config ?? env.METERD_CONFIG
  const file = configFile ? readConfigFile(configFile) : {}
  const { settings: rawSettings, ...rawWorld } = file
  const settings = SettingsSchema.safeParse(rawSettings)
  if (!settings.success) throw new ConfigError(`${configFile}: settings are invalid:\n${prefixed('settings', settings.error.issues)}`)
  let configWorld: World | undefined
  try {
    configWorld = configFile ? parseWorld(rawWorld) : undefined
  } catch (error) {
    if (error instanceof WorldError) throw new ConfigError(`${configFile}: the world is invalid:\n${error.message}`)
    throw error
  }
  const port = parsePort(flags.port ?? env.METERD_PORT ?? DEFAULT_PORT, 'port')
  const auth = flags.auth ?? env.METERD_AUTH ?? settings.data.auth ?? 'strict'
  if (auth !== 'strict' && auth !== 'permissive') throw new ConfigError(`auth must be 'strict' or 'permissive', got '${auth}'`)
  const w = settings.data.windows ?? {}
  const dataDir = flags.data ?? env.METERD_DATA_DIR ?? DEFAULT_DATA_DIR
  const storeText = flags.store ?? env.METERD_STORE ?? 'sqlite'
  let store: StoreLocation
  if (storeText === 'sqlite') store = { kind: 'sqlite', dataDir }
  else if (/^postgres(ql)?:\/\//.test(storeText)) store = { kind: 'postgres', url: storeText }
  else throw new ConfigError(`store must be 'sqlite' or a postgres:// URL, got '${storeText}'`)
  const workers = Number(flags.workers ?? env.METERD_WORKERS ?? 1)
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    throw new ConfigError(`workers must be an integer from 1 to 64, got '${flags.workers ?? env.METERD_WORKERS}'`)
  return {
    port,
    host: flags.host ?? env.METERD_HOST ?? DEFAULT_HOST,
    dataDir,
    store,
    workers,
    auth,
    windows: {
      batchMaxAgeMs: w.batchMaxAge ?? DEFAULT_WINDOWS.batchMaxAgeMs,
      batchMonthEndGraceMs: w.batchMonthEndGrace ?? DEFAULT_WINDOWS.batchMonthEndGraceMs,
      meterMaxAgeMs: w.meterMaxAge ?? DEFAULT_WINDOWS.meterMaxAgeMs,
      futureToleranceMs: w.futureTolerance ?? DEFAULT_WINDOWS.futureToleranceMs,
      finalMeteringMs: w.finalMetering ?? DEFAULT_WINDOWS.finalMeteringMs,
    },
    configWorld,
    worldSource: configFile ?? 'stored world (the demo world at first start)',
    anonymousBuyerAccountId: settings.data.anonymousBuyerAccount,
    registrationTokenTtlMs: settings.data.registrationTokenTtl ?? DEFAULT_REGISTRATION_TOKEN_TTL_MS,
    adminToken: env.METERD_ADMIN_TOKEN ?? settings.data.adminToken,
    adminPort: flags.adminPort !== undefined ? parsePort(flags.adminPort, 'admin port') : settings.data.adminPort,
    quotas: {
      enabled: flags.quotas === false ? false : (settings.data.quotas?.enabled ?? DEFAULT_QUOTAS.enabled),
      rates: { ...DEFAULT_QUOTAS.rates, ...settings.data.quotas?.rates },
    },
    auditRetentionMs: settings.data.auditRetention ?? DEFAULT_AUDIT_RETENTION_MS,
    notifications: notificationConfig(settings.data.notifications ?? {}),
  }
}

function notificationConfig(n: NonNullable<z.output<typeof SettingsSchema>['notifications']>): NotificationConfig {
  return {
    settings: {
      offerIdentifier: n.offerIdentifier ?? DEFAULT_NOTIFICATION_SETTINGS.offerIdentifier,
      delaysMs: { ...DEFAULT_NOTIFICATION_SETTINGS.delaysMs, ...n.delays },
    },
    ...(n.publicUrl ? { publicUrl: n.publicUrl.replace(/\/+$/, '') } : {}),
    ...(n.signingCertUrl ? { signingCertUrl: n.signingCertUrl } : {}),
    timeoutMs: n.timeout ?? DEFAULT_DELIVERY_TIMEOUT_MS,
  }
}

function parsePort(value: string | number, what: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`${what} must be an integer from 0 to 65535, got '${value}'`)
  return port
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`)
  }
  let parsed: unknown
  try {
    // YAML is a superset of JSON; JSON.parse first because it is far faster on large worlds.
    parsed = /^\s*[{[]/.test(text) ? (tryJson(text) ?? parseYaml(text)) : parseYaml(text)
  } catch (error) {
    throw new ConfigError(`${path}: not valid YAML or JSON: ${(error as Error).message}`)
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`${path}: must hold a mapping with accounts, products, customers, licenses (and optional settings)`)
  }
  return parsed as Record<string, unknown>
}

const prefixed = (prefix: string, issues: readonly z.core.$ZodIssue[]) =>
  formatIssues(issues.map((issue) => ({ ...issue, path: [prefix, ...issue.path] })))
