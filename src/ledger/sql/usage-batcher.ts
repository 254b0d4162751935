import type { RecordUsageCommand, RecordUsageOutcome, ReplayTest } from '../ledger.js'

interface Job {
  commands: readonly RecordUsageCommand[]
  isReplay: ReplayTest
  resolve: (outcomes: RecordUsageOutcome[]) => void
  reject: (reason: unknown) => void
}

type Run = (commands: readonly RecordUsageCommand[], isReplay: ReplayTest) => Promise<RecordUsageOutcome[]>

/**
 * Merges the usage writes of concurrent requests into one write of all their records: the
 * set-wise statements then cost the same few round trips for 500 records as for 25, and the
 * whole group shares one commit. Running merged commands gives the outcomes running them one
 * request after the other would give. If a merged write fails, each request is retried on its
 * own, so one bad request cannot fail the others.
 */
export function createUsageBatcher(run: Run, options: { maxInFlight: number; maxRecords: number; onWrite?: (requests: number) => void }) {
  const queue: Job[] = []
  let inFlight = 0

  const flush = () => {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      const group: Job[] = []
      let records = 0
      const isReplay = queue[0]!.isReplay
      while (
        queue.length > 0 &&
        queue[0]!.isReplay === isReplay &&
        (group.length === 0 || records + queue[0]!.commands.length <= options.maxRecords)
      ) {
        const job = queue.shift()!
        records += job.commands.length
        group.push(job)
      }
      inFlight++
      void runGroup(group, isReplay).finally(() => {
        inFlight--
        flush()
      })
    }
  }

  const runGroup = async (group: Job[], isReplay: ReplayTest) => {
    try {
      const outcomes = await run(
        group.flatMap((j) => j.commands),
        isReplay,
      )
      options.onWrite?.(group.length)
      let at = 0
      for (const job of group) {
        job.resolve(outcomes.slice(at, at + job.commands.length))
        at += job.commands.length
      }
    } catch (error) {
      if (group.length === 1) return group[0]!.reject(error)
      for (const job of group) {
        await run(job.commands, isReplay).then((outcomes) => {
          options.onWrite?.(1)
          job.resolve(outcomes)
        }, job.reject)
      }
    }
  }

  return (commands: readonly RecordUsageCommand[], isReplay: ReplayTest): Promise<RecordUsageOutcome[]> =>
    new Promise((resolve, reject) => {
      queue.push({ commands, isReplay, resolve, reject })
      // Let requests already read from the sockets join this group.
      if (queue.length === 1) setImmediate(flush)
    })
}
