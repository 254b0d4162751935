import cluster from 'node:cluster'
import { once } from 'node:events'
import { DEMO_WORLD } from '../catalog/demo-world.js'
import { openLiveCatalog } from '../catalog/live-catalog.js'
import { parseWorld } from '../catalog/world.js'
import type { MeterdConfig } from '../config/config.js'
import { openKeyRing } from '../keys/key-ring.js'
import { openLedger } from './open-store.js'
import { adminTokenFor } from './admin-token.js'

/**
 * Prepares the store once, before workers race for it: migrations, the initial world, the first
 * signing key and the admin token file.
 */
export async function prepareStore(config: MeterdConfig): Promise<void> {
  const ledger = await openLedger(config.store)
  try {
    const now = Date.now()
    await openLiveCatalog(ledger, { configWorld: config.configWorld, fallback: parseWorld(DEMO_WORLD), atMs: now })
    await openKeyRing(ledger, now)
    adminTokenFor(config.dataDir, config.adminToken)
  } finally {
    await ledger.close()
  }
}

export interface ClusterHandle {
  url: string
  stop(): Promise<void>
}

/**
 * `--workers N`: N processes accept connections on the same port (node:cluster shares the
 * listening socket) and share the ledger; nothing is held in one process's memory that another
 * needs. Resolves once every worker listens.
 */
export async function startCluster(config: MeterdConfig): Promise<ClusterHandle> {
  await prepareStore(config)
  const urls: string[] = []
  for (let i = 0; i < config.workers; i++) {
    const worker = cluster.fork({ METERD_CLUSTER_WORKER: '1' })
    const url = await new Promise<string>((resolve, reject) => {
      worker.on('message', (message: { ready?: string }) => message.ready && resolve(message.ready))
      worker.once('exit', (code) => reject(new Error(`worker ${i + 1} exited with ${code} while starting`)))
    })
    urls.push(url)
  }
  return {
    url: urls[0]!,
    async stop() {
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined)
      await Promise.all(
        workers.map(async (w) => {
          w.process.kill('SIGTERM')
          if (!w.isDead()) await once(w, 'exit')
        }),
      )
    },
  }
}

export const isClusterWorker = () => cluster.isWorker && process.env.METERD_CLUSTER_WORKER === '1'

/** In a worker: tell the primary where this worker listens. */
export const reportReady = (url: string) => process.send?.({ ready: url })
