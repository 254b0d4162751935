import { Worker } from 'node:worker_threads'
import { isReplayOf } from '../../domain/usage-record.js'
import type { Ledger, RecordUsageCommand, RecordUsageOutcome } from '../ledger.js'
import { StoreError } from '../store.js'
import type { SqliteLedgerOptions } from './sqlite-ledger.js'

/** How the ledger thread answers 'created': the caller already holds the record it sent. */
export const CREATED = 0
/** The usage writes of every request of one event-loop turn, sent as one message. */
export const RECORD_USAGE_OF_MANY = 'recordUsageOfMany'
/** One request's answer within RECORD_USAGE_OF_MANY: a failure stays that request's own. */
export type UsageAnswer = { outcomes: (RecordUsageOutcome | typeof CREATED)[] } | { error: ErrorReply }

/** An error as it crosses between the threads: cloning an Error keeps only standard names. */
export type ErrorReply = { message: string; name: string }
export const toErrorReply = (error: unknown): ErrorReply => ({ message: (error as Error).message, name: (error as Error).name })
const fromErrorReply = (reply: ErrorReply) => Object.assign(new Error(reply.message), { name: reply.name })

type Reply = { id: number; value?: unknown; error?: ErrorReply } | { commit: number } | { ready: true } | { failed: string }

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
  // Answers come back by structured clone; the Ledger interface below gives each method its type.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  const call = (method: keyof Ledger | typeof RECORD_USAGE_OF_MANY, args: unknown[]): Promise<any> => {
    if (closed) return Promise.reject(new Error('the ledger is closed'))
    return new Promise((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      worker.postMessage({ id, method, args })
    })
  }
  // Requests read in one event-loop turn share one message each way: a postMessage costs about
  // as much as cloning a small request, so one per request was a tenth of the main thread's work.
  type UsageWaiter = {
    commands: readonly RecordUsageCommand[]
    resolve: (outcomes: RecordUsageOutcome[]) => void
    reject: (e: unknown) => void
  }
  let usageQueue: UsageWaiter[] = []
  const sendUsage = () => {
    const waiters = usageQueue
    usageQueue = []
    call(RECORD_USAGE_OF_MANY, [waiters.map((w) => w.commands)]).then(
      (answers: UsageAnswer[]) => {
        waiters.forEach((w, i) => {
          const answer = answers[i]!
          if ('error' in answer) w.reject(fromErrorReply(answer.error))
          else
            w.resolve(
              answer.outcomes.map((outcome, k) => (outcome === CREATED ? { kind: 'created', record: w.commands[k]!.record } : outcome)),
            )
        })
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error)
      },
    )
  }
  return new Promise((resolveLedger, rejectLedger) => {
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        resolveLedger(proxy)
      } else if ('failed' in reply) {
        rejectLedger(new StoreError(reply.failed))
      } else if ('commit' in reply) {
        options.onCommit?.(reply.commit)
      } else {
        const waiter = pending.get(reply.id)
        pending.delete(reply.id)
        if (!waiter) return
        if (reply.error) waiter.reject(fromErrorReply(reply.error))
        else waiter.resolve(reply.value)
      }
    })
    worker.on('error', (error) => {
      rejectLedger(error)
      for (const waiter of pending.values()) waiter.reject(error)
      pending.clear()
    })
    const method =
      (name: keyof Ledger) =>
      (...args: unknown[]) =>
        call(name, args)
    const proxy: Ledger = {
      recordUsage(commands, isReplay) {
        // Functions cannot cross threads; the one replay rule there is runs on the other side.
        if (isReplay !== isReplayOf) return Promise.reject(new Error('the threaded SQLite ledger applies isReplayOf only'))
        return new Promise((resolve, reject) => {
          usageQueue.push({ commands, resolve, reject })
          if (usageQueue.length === 1) setImmediate(sendUsage)
        })
      },
      findRecord: method('findRecord'),
      countRecords: method('countRecords'),
      loadWorld: method('loadWorld'),
      worldVersion: method('worldVersion'),
      saveWorld: method('saveWorld'),
      listLifecycleEvents: method('listLifecycleEvents'),
      listSigningKeys: method('listSigningKeys'),
      addSigningKey: method('addSigningKey'),
      saveRegistrationToken: method('saveRegistrationToken'),
      findRegistrationToken: method('findRegistrationToken'),
      findRegistration: method('findRegistration'),
      recordRegistrationCall: method('recordRegistrationCall'),
      listUsage: method('listUsage'),
      countUsageByStatus: method('countUsageByStatus'),
      sumUsage: method('sumUsage'),
      appendAuditEvents: method('appendAuditEvents'),
      listAuditEvents: method('listAuditEvents'),
      countAuditEvents: method('countAuditEvents'),
      pruneAuditEvents: method('pruneAuditEvents'),
      loadControl: method('loadControl'),
      saveControl: method('saveControl'),
      initControl: method('initControl'),
      listFaultRules: method('listFaultRules'),
      addFaultRule: method('addFaultRule'),
      removeFaultRule: method('removeFaultRule'),
      removeAllFaultRules: method('removeAllFaultRules'),
      consumeFaultRule: method('consumeFaultRule'),
      takeQuotaToken: method('takeQuotaToken'),
      listTargetStates: method('listTargetStates'),
      findTargetState: method('findTargetState'),
      openTarget: method('openTarget'),
      setTargetStatus: method('setTargetStatus'),
      eventsToFanOut: method('eventsToFanOut'),
      commitFanOut: method('commitFanOut'),
      claimTarget: method('claimTarget'),
      releaseTarget: method('releaseTarget'),
      pendingDeliveries: method('pendingDeliveries'),
      recordAttempt: method('recordAttempt'),
      findDelivery: method('findDelivery'),
      listDeliveries: method('listDeliveries'),
      listAttempts: method('listAttempts'),
      retryDelivery: method('retryDelivery'),
      async close() {
        if (closed) return
        await call('close', [])
        closed = true
        await worker.terminate()
      },
    }
  })
}
