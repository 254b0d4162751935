import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import type { ServerStats } from './messages.js'

/**
 * Preloaded into the meterd process (`node --import`) so meterd itself runs unchanged, as
 * `meterd serve` ships. It observes the ledger's group commits from the outside: GroupCommit
 * brackets each shared transaction with BEGIN IMMEDIATE ... COMMIT on the one better-sqlite3
 * connection and runs each request's work in a `SAVEPOINT job`. Counting them gives the group
 * sizes; timing COMMIT gives the cost of the WAL fsync. The parent asks for deltas over IPC,
 * and can have a CPU profile taken of one phase only (not of start-up or idle time).
 */
const counters = { commits: 0, jobs: 0, commitMs: 0, maxGroup: 0, maxCommitMs: 0 }
let jobsInGroup = 0
const exec = Database.prototype.exec
Database.prototype.exec = function (this: Database.Database, sql: string) {
  if (sql === 'SAVEPOINT job') jobsInGroup++
  if (sql !== 'COMMIT') return exec.call(this, sql)
  const t0 = performance.now()
  const result = exec.call(this, sql)
  const ms = performance.now() - t0
  counters.commits++
  counters.jobs += jobsInGroup
  counters.commitMs += ms
  counters.maxGroup = Math.max(counters.maxGroup, jobsInGroup)
  counters.maxCommitMs = Math.max(counters.maxCommitMs, ms)
  jobsInGroup = 0
  return result
}

// Each 'stats' answer covers the time since the previous one, so two of them bracket a phase.
let elu = performance.eventLoopUtilization()
let last = { ...counters }
let session: Session | undefined
process.on('message', async (message: { type: string; file?: string }) => {
  if (message.type === 'profile-start') {
    session = new Session()
    session.connect()
    await session.post('Profiler.enable')
    await session.post('Profiler.start')
    process.send!({ type: 'profiling' })
    return
  }
  if (message.type === 'profile-stop' && session) {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(message.file!, JSON.stringify(profile))
    session.disconnect()
    process.send!({ type: 'profiled' })
    return
  }
  if (message.type !== 'stats') return
  const now = performance.eventLoopUtilization()
  const stats: ServerStats = {
    eventLoopUtilization: performance.eventLoopUtilization(now, elu).utilization,
    commits: counters.commits - last.commits,
    jobs: counters.jobs - last.jobs,
    commitMs: counters.commitMs - last.commitMs,
    maxGroup: counters.maxGroup,
    maxCommitMs: counters.maxCommitMs,
  }
  elu = now
  counters.maxGroup = 0
  counters.maxCommitMs = 0
  last = { ...counters }
  process.send!({ type: 'stats', stats })
})
// The IPC channel must not keep meterd alive once it wants to exit.
process.channel?.unref()
