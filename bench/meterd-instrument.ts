import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { performance } from 'node:perf_hooks'
import { isMainThread } from 'node:worker_threads'

/**
 * Preloaded into the meterd process (`node --import`) so meterd itself runs unchanged, as
 * `meterd serve` ships. The parent asks it over IPC for the event loop's utilisation since the
 * previous ask (two asks bracket a phase), and can have a CPU profile taken of one phase only
 * (not of start-up or idle time). Group-commit sizes come from meterd's own /metrics instead.
 * Worker threads (the SQLite ledger's) inherit the preload; it has nothing to do there.
 */
// Each 'stats' answer covers the time since the previous one, so two of them bracket a phase.
let elu = performance.eventLoopUtilization()
let session: Session | undefined
// Only meterd's first process: not its ledger thread, nor the processes `--workers` forks.
const observed = isMainThread && process.env.NODE_UNIQUE_ID === undefined
async function onMessage(message: { type: string; file?: string }): Promise<void> {
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
  const stats = { eventLoopUtilization: performance.eventLoopUtilization(now, elu).utilization }
  elu = now
  process.send!({ type: 'stats', stats })
}
if (observed) process.on('message', (message: { type: string; file?: string }) => void onMessage(message))
// The IPC channel must not keep meterd alive once it wants to exit.
if (observed) process.channel?.unref()
