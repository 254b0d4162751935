import { parentPort, workerData } from 'node:worker_threads'
import { isReplayOf } from '../../domain/usage-record.js'
import { CREATED, RECORD_USAGE_OF_MANY, toErrorReply, type UsageAnswer } from './sqlite-thread.js'
import type { Ledger, RecordUsageCommand, RecordUsageOutcome } from '../ledger.js'
import { createSqliteLedger } from './sqlite-ledger.js'

// The ledger thread (see sqlite-thread.ts): runs the SQLite ledger and answers calls by id.
const port = parentPort!
try {
  const ledger = await createSqliteLedger({
    dataDir: (workerData as { dataDir: string }).dataDir,
    onCommit: (jobs) => port.postMessage({ commit: jobs }),
  })
  const answer = async ({ id, method, args }: { id: number; method: keyof Ledger | typeof RECORD_USAGE_OF_MANY; args: unknown[] }) => {
    try {
      const value =
        method === RECORD_USAGE_OF_MANY
          ? await Promise.all(
              (args[0] as RecordUsageCommand[][]).map((commands) =>
                ledger.recordUsage(commands, isReplayOf).then(
                  (outcomes): UsageAnswer => ({ outcomes: withoutCreatedRecords(outcomes) }),
                  (error: unknown): UsageAnswer => ({ error: toErrorReply(error) }),
                ),
              ),
            )
          : await (ledger[method] as (...a: unknown[]) => Promise<unknown>)(...args)
      port.postMessage({ id, value })
    } catch (error) {
      port.postMessage({ id, error: toErrorReply(error) })
    }
  }
  port.on('message', (message: Parameters<typeof answer>[0]) => void answer(message))
  port.postMessage({ ready: true })
} catch (error) {
  port.postMessage({ failed: (error as Error).message })
}

// A created record is the one the caller sent: not copying it back halves what crosses threads.
function withoutCreatedRecords(outcomes: RecordUsageOutcome[]): (RecordUsageOutcome | typeof CREATED)[] {
  return outcomes.map((outcome) => (outcome.kind === 'created' ? CREATED : outcome))
}
