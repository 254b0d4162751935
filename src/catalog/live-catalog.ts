import { createHash } from 'node:crypto'
import type { Ledger } from '../ledger/ledger.js'
import { type Catalog, createMemoryCatalog } from './catalog.js'
import type { LifecycleEvent } from '../domain/lifecycle-event.js'
import type { World } from '../domain/world.js'
import { parseWorld, type WorldInput } from './world.js'

/**
 * The catalog as the server uses it: the world is stored in the ledger (so subscriptions made at
 * run time survive restarts and are shared by every node) and served from an in-memory snapshot.
 */
export interface LiveCatalog extends Catalog {
  world(): World
  /** The stored version the snapshot is of. */
  version(): number
  /**
   * Applies `change` to the current world, validates the result like a config file, stores it
   * with the lifecycle events the change caused (one transaction) and swaps the snapshot. Retries
   * on a concurrent change, so `change` must be pure.
   */
  update<T>(change: (world: World) => WorldChange<T>, atMs: number): Promise<T>
  /** Re-reads the stored world (another node may have changed it). */
  refresh(): Promise<void>
}

/** A changed world, what the change produced, and the lifecycle events it caused (if any). */
export interface WorldChange<T> {
  world: World
  result: T
  events?: readonly LifecycleEvent[]
}

type WorldStore = Pick<Ledger, 'loadWorld' | 'worldVersion' | 'saveWorld' | 'loadControl' | 'saveControl'>

const APPLIED_CONFIG = 'applied-config-world'

/**
 * Opens the stored world. A world from a config file is merged over it (entries of the file
 * replace stored entries with the same key, run-time additions stay) when the file changed since
 * it was last applied, so restarting with the same file keeps run-time changes such as an ended
 * license; with neither, `fallback` (the demo world) is stored.
 */
export async function openLiveCatalog(
  store: WorldStore,
  options: { configWorld?: World; fallback: World; atMs: number },
): Promise<LiveCatalog> {
  let version = 0
  let world: World = options.fallback
  let catalog: Catalog = createMemoryCatalog(world)
  const adopt = (v: number, w: World) => {
    version = v
    world = w
    catalog = createMemoryCatalog(w)
  }
  const refresh = async () => {
    if (version !== 0 && (await store.worldVersion()) === version) return
    const stored = await store.loadWorld()
    // Only forward: a read begun before this node's own update may land after it.
    if (stored && stored.version > version) adopt(stored.version, parseWorld(stored.document))
  }
  const update = async <T>(change: (w: World) => WorldChange<T>, atMs: number): Promise<T> => {
    for (;;) {
      const { world: next, result, events } = change(world)
      // Nothing changed (e.g. another node applied the same due transitions first): nothing to store.
      if (next === world && !events?.length) return result
      // Validated exactly as a config file would be, in the file's own format.
      const document = worldToDocument(next)
      const parsed = parseWorld(document)
      if (await store.saveWorld(version, document, atMs, events)) {
        adopt(version + 1, parsed)
        return result
      }
      await refresh()
    }
  }

  await refresh()
  if (options.configWorld) {
    const configWorld = options.configWorld
    const digest = createHash('sha256')
      .update(JSON.stringify(worldToDocument(configWorld)))
      .digest('hex')
    if (version === 0 || (await store.loadControl(APPLIED_CONFIG)) !== digest) {
      await update(
        (current) => ({ world: version === 0 ? configWorld : mergeWorlds(current, configWorld), result: undefined }),
        options.atMs,
      )
      await store.saveControl(APPLIED_CONFIG, digest, options.atMs)
    }
  } else if (version === 0) {
    await update(() => ({ world: options.fallback, result: undefined }), options.atMs)
  }

  return {
    findSigningIdentity: (key) => catalog.findSigningIdentity(key),
    findProduct: (code) => catalog.findProduct(code),
    findCustomer: (id) => catalog.findCustomer(id),
    customersOfAccount: (accountId) => catalog.customersOfAccount(accountId),
    licenseGrants: (arn) => catalog.licenseGrants(arn),
    grantsTo: (customer, product) => catalog.grantsTo(customer, product),
    agreementsFor: (product) => catalog.agreementsFor(product),
    offersFor: (product) => catalog.offersFor(product),
    world: () => world,
    version: () => version,
    update,
    refresh,
  }
}

/** The world in the config-file format (instants as ISO-8601), for storage and export. */
export function worldToDocument(world: World): WorldInput {
  const iso = (ms: number) => new Date(ms).toISOString()
  const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : iso(ms))
  return {
    accounts: world.accounts,
    products: world.products,
    customers: world.customers,
    licenses: world.licenses.map((l) => ({ ...l, start: iso(l.start), end: isoOrNull(l.end) })),
    offers: world.offers,
    agreements: world.agreements.map((a) => ({
      ...a,
      acceptedAt: iso(a.acceptedAt),
      versions: a.versions.map((v) => ({
        ...v,
        at: iso(v.at),
        start: iso(v.start),
        end: isoOrNull(v.end),
        ...(v.freeTrialEnd !== undefined ? { freeTrialEnd: isoOrNull(v.freeTrialEnd) } : {}),
      })),
    })),
    notifications: world.notifications.map(({ retry, ...target }) => ({
      ...target,
      ...(retry
        ? {
            retry: {
              attempts: retry.attempts,
              minDelay: `${retry.minDelayMs}ms`,
              maxDelay: `${retry.maxDelayMs}ms`,
              backoff: retry.backoff,
            },
          }
        : {}),
    })),
  }
}

function mergeWorlds(stored: World, config: World): World {
  const merge = <T>(a: readonly T[], b: readonly T[], key: (item: T) => string) => {
    const byKey = new Map(a.map((item) => [key(item), item]))
    for (const item of b) byKey.set(key(item), item)
    return [...byKey.values()]
  }
  return {
    accounts: merge(stored.accounts, config.accounts, (a) => a.id),
    products: merge(stored.products, config.products, (p) => p.code),
    customers: merge(stored.customers, config.customers, (c) => c.identifier),
    licenses: merge(stored.licenses, config.licenses, (l) => `${l.arn} ${l.product}`),
    offers: merge(stored.offers, config.offers, (o) => o.id),
    agreements: merge(stored.agreements, config.agreements, (a) => a.id),
    notifications: merge(stored.notifications, config.notifications, (t) => t.id),
  }
}
