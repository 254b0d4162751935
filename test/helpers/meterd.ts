import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MarketplaceMeteringClient } from '@aws-sdk/client-marketplace-metering'
import { DEMO_WORLD } from '../../src/catalog/demo-world.js'
import { parseWorld, type WorldInput } from '../../src/catalog/world.js'
import { DEFAULT_WINDOWS, type MeteringWindows } from '../../src/domain/metering-windows.js'
import type { MeterdConfig, NotificationConfig } from '../../src/config/config.js'
import { DEFAULT_NOTIFICATION_SETTINGS } from '../../src/domain/notifications.js'
import { AWS_QUOTAS, type QuotaSettings } from '../../src/controls/quotas.js'
import { type MeterdServer, startServer } from '../../src/server/build-server.js'
import { freshStore, type StoreKind } from './store.js'
import type { StoreLocation } from '../../src/ledger/store.js'
import { type ManualClock, manualClock } from '../../src/shared/clock.js'

export const SELLER = { accessKeyId: 'AKIAMETERDSELLER0001', secretAccessKey: 'meterd-demo-seller-secret' }
export const BUYER = { accessKeyId: 'AKIAMETERDBUYER00001', secretAccessKey: 'meterd-demo-buyer-secret' }
export const CUSTOMER = 'demo-customer-1'
export const BUYER_ACCOUNT = '222222222222'
export const LICENSE_ARN = 'arn:aws:license-manager::222222222222:license/l-demo0000000000000001'

export interface TestMeterd {
  url: string
  dataDir: string
  server: MeterdServer
  /** The pinned metering clock, when `nowMs` was given. */
  clock?: ManualClock
  /** Calls the admin API with the server's token. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>
  client(credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, region?: string): MarketplaceMeteringClient
  /** Where the ledger lives (the SQLite data folder, or a PostgreSQL schema). */
  store: StoreLocation
  /** Stops and starts meterd on the same store; `whileStopped` runs in between. */
  restart(whileStopped?: () => Promise<void>): Promise<void>
  close(): Promise<void>
}

export interface TestOptions {
  world?: WorldInput
  auth?: 'strict' | 'permissive'
  windows?: Partial<MeteringWindows>
  /** Pins meterd's metering clock (epoch ms; advance it with `clock`); SigV4 keeps using real time. */
  nowMs?: number
  registrationTokenTtlMs?: number
  quotas?: QuotaSettings
  dataDir?: string
  /** The store to run on (default: TEST_STORE, i.e. SQLite unless METERD_TEST_STORE=postgres). */
  store?: StoreKind
  notifications?: Partial<NotificationConfig>
}

/** Starts a real meterd on a free port with a fresh SQLite ledger (the demo world by default). */
export async function startMeterd(options: TestOptions = {}): Promise<TestMeterd> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'meterd-test-'))
  const world = parseWorld(options.world ?? DEMO_WORLD)
  const store = await freshStore(dataDir, options.store)
  const config: MeterdConfig = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    store: store.location,
    workers: 1,
    auth: options.auth ?? 'strict',
    windows: { ...DEFAULT_WINDOWS, ...options.windows },
    configWorld: world,
    worldSource: 'test',
    anonymousBuyerAccountId: BUYER_ACCOUNT,
    registrationTokenTtlMs: options.registrationTokenTtlMs ?? 4 * 3600_000,
    // Most suites send bursts far above AWS's 10/s; the quota suite switches them on.
    quotas: options.quotas ?? { enabled: false, rates: { ...AWS_QUOTAS } },
    auditRetentionMs: 30 * 86_400_000,
    notifications: {
      settings: DEFAULT_NOTIFICATION_SETTINGS,
      timeoutMs: 5_000,
      ...options.notifications,
    },
  }
  const clock = options.nowMs === undefined ? undefined : manualClock(options.nowMs)
  let server = await startServer(config, clock ? { clock } : {})
  const clients: MarketplaceMeteringClient[] = []
  const t: TestMeterd = {
    url: server.url,
    dataDir,
    server,
    clock,
    async admin(method, path, body) {
      const response = await fetch(`${t.url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${server.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: response.status, body: await response.json() }
    },
    client(credentials = SELLER, region = 'us-east-1') {
      const client = new MarketplaceMeteringClient({ endpoint: t.url, region, credentials, maxAttempts: 1 })
      clients.push(client)
      return client
    },
    store: store.location,
    async restart(whileStopped) {
      await server.close()
      await whileStopped?.()
      server = await startServer({ ...config, port: Number(new URL(t.url).port) }, clock ? { clock } : {})
      t.server = server
    },
    async close() {
      for (const c of clients) c.destroy()
      await server.close()
      await store.drop()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
    },
  }
  return t
}

/** Runs `fn` and returns the error it throws (fails if it does not throw). */
export async function errorOf(fn: () => Promise<unknown>): Promise<Error & { $fault?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await fn()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected an error, got success')
}

/** An hour-aligned instant in the past, plus `minutes`, as a Date. */
export const hourAgo = (hours = 1, minutes = 0): Date => hoursBefore(Date.now(), hours, minutes)

/** The hour `hours` before `nowMs`'s hour, plus `minutes`, as a Date. */
const hoursBefore = (nowMs: number, hours = 1, minutes = 0): Date => {
  const hour = Math.floor(nowMs / 3_600_000) * 3_600_000
  return new Date(hour - hours * 3_600_000 + minutes * 60_000)
}

/**
 * A metering "now" far from any month's end, for suites that report many hours back: on the
 * real clock such a suite would fail on the 1st of a month, once the previous month has closed.
 * Pin the server with `startMeterd({ nowMs: MID_MONTH_MS })` and report with `midMonthHourAgo`.
 */
export const MID_MONTH_MS = Date.UTC(2026, 9, 15, 12, 30)

/** `hourAgo`, counted back from MID_MONTH_MS instead of the real clock. */
export const midMonthHourAgo = (hours = 1, minutes = 0): Date => hoursBefore(MID_MONTH_MS, hours, minutes)
