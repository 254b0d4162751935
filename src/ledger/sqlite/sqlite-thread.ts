import { Worker } from 'node:worker_threads'
import { isReplayOf } from '../../domain/usage-record.js'
import type { Ledger, RecordUsageOutcome } from '../ledger.js'
import type { SqliteLedgerOptions } from './sqlite-ledger.js'

/** How the ledger thread answers 'created': the caller already holds the record it sent. */
export const CREATED = 0

type Reply = { id: number; value?: unknown; error?: { message: string; name: string } } | { commit: number } | { ready: true } | { failed: string }

/**
 * The SQLite ledger on a thread of its own: better-sqlite3 is synchronous, so on the main thread
 * every fsync of a COMMIT would stop the event loop. Here requests keep being parsed and checked
 * while the disk writes; the ledger answers over postMessage once its commit is durable.
 */
export function createThreadedSqliteLedger(options: SqliteLedgerOptions): Promise<Ledger> {
  const worker = new Worker(new URL('./sqlite-thread-main.js', import.meta.url), { workerData: { dataDir: options.dataDir } })
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>()
  let nextId = 0
  let closed = false
  const call = (method: keyof Ledger, args: unknown[]): Promise<any> => {
    if (closed) return Promise.reject(new Error('the ledger is closed'))
    return new Promise((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, method, args })
    })
  }
  return new Promise((resolveLedger, rejectLedger) => {
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        resolveLedger(proxy)
      } else if ('failed' in reply) {
        rejectLedger(new Error(reply.failed))
      } else if ('commit' in reply) {
        options.onCommit?.(reply.commit)
      } else {
        const waiter = pending.get(reply.id)
        pending.delete(reply.id)
        if (!waiter) return
        if (reply.error) waiter.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name }))
        else waiter.resolve(reply.value)
      }
    })
    worker.on('error', (error) => {
      rejectLedger(error)
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
    })
    const method = (name: keyof Ledger) => (...args: unknown[]) => call(name, args)
    const proxy: Ledger = {
      recordUsage(commands, isReplay) {
        // Functions cannot cross threads; the one replay rule there is runs on the other side.
        if (isReplay !== isReplayOf) return Promise.reject(new Error('the threaded SQLite ledger applies isReplayOf only'))
        return call('recordUsage', [commands]).then((outcomes: (RecordUsageOutcome | typeof CREATED)[]) =>
          outcomes.map((outcome, i) => (outcome === CREATED ? { kind: 'created', record: commands[i]!.record } : outcome)))
      },
      findRecord: method('findRecord'),
      countRecords: method('countRecords'),
      loadWorld: method('loadWorld'),
      worldVersion: method('worldVersion'),
      saveWorld: method('saveWorld'),
      listSigningKeys: method('listSigningKeys'),
      addSigningKey: method('addSigningKey'),
      saveRegistrationToken: method('saveRegistrationToken'),
      findRegistrationToken: method('findRegistrationToken'),
      findRegistration: method('findRegistration'),
      recordRegistrationCall: method('recordRegistrationCall'),
      listUsage: method('listUsage'),
      sumUsage: method('sumUsage'),
      appendAuditEvents: method('appendAuditEvents'),
      listAuditEvents: method('listAuditEvents'),
      pruneAuditEvents: method('pruneAuditEvents'),
      loadControl: method('loadControl'),
      saveControl: method('saveControl'),
      listFaultRules: method('listFaultRules'),
      addFaultRule: method('addFaultRule'),
      removeFaultRule: method('removeFaultRule'),
      removeAllFaultRules: method('removeAllFaultRules'),
      consumeFaultRule: method('consumeFaultRule'),
      takeQuotaToken: method('takeQuotaToken'),
      async close() {
        if (closed) return
        await call('close', [])
        closed = true
        await worker.terminate()
      },
    }
  })
}
