import type { Ledger } from '../ledger/ledger.js'
import type { Clock } from '../shared/clock.js'
import { staleReadGuard } from '../shared/stale-reads.js'

/** How meterd's metering "now" relates to real time. */
export type ClockState = { mode: 'real' } | { mode: 'offset'; offsetMs: number } | { mode: 'frozen'; frozenAtMs: number }

export interface ClockView {
  mode: ClockState['mode']
  now: string
  nowMs: number
  offsetMs: number
}

/**
 * meterd's "now" for metering rules (time windows, hour buckets, license periods, token TTL, key
 * expiry), which a seller can freeze, set or advance to test time-dependent behaviour without
 * waiting. SigV4 keeps using the real clock. The state lives in the ledger so every node shares it.
 */
export interface VirtualClock extends Clock {
  view(): ClockView
  freeze(atMs?: number): Promise<ClockView>
  /** Jumps to `atMs`; a frozen clock stays frozen there, a running one runs on from there. */
  set(atMs: number): Promise<ClockView>
  advance(ms: number): Promise<ClockView>
  /** A frozen clock starts running again from where it stands. */
  resume(): Promise<ClockView>
  /** Back to real time. */
  reset(): Promise<ClockView>
  /** Re-reads the shared state (another node may have changed it). */
  refresh(): Promise<void>
}

const CONTROL_NAME = 'virtual-clock'

export async function openVirtualClock(store: Pick<Ledger, 'loadControl' | 'saveControl'>, realClock: Clock): Promise<VirtualClock> {
  let state: ClockState = { mode: 'real' }
  const guard = staleReadGuard()
  const nowMs = () => {
    switch (state.mode) {
      case 'real':
        return realClock.nowMs()
      case 'offset':
        return realClock.nowMs() + state.offsetMs
      case 'frozen':
        return state.frozenAtMs
    }
  }
  const view = (): ClockView => {
    const now = nowMs()
    return { mode: state.mode, now: new Date(now).toISOString(), nowMs: now, offsetMs: now - realClock.nowMs() }
  }
  const save = (next: ClockState) =>
    guard.write(async () => {
      state = next
      await store.saveControl(CONTROL_NAME, next, realClock.nowMs())
      return view()
    })
  const refresh = async () => {
    await guard.read(
      () => store.loadControl(CONTROL_NAME) as Promise<ClockState | undefined>,
      (stored) => {
        if (stored) state = stored
      },
    )
  }
  await refresh()
  return {
    nowMs,
    view,
    freeze: (atMs = nowMs()) => save({ mode: 'frozen', frozenAtMs: atMs }),
    set: (atMs) =>
      save(state.mode === 'frozen' ? { mode: 'frozen', frozenAtMs: atMs } : { mode: 'offset', offsetMs: atMs - realClock.nowMs() }),
    advance: (ms) =>
      save(
        state.mode === 'frozen'
          ? { mode: 'frozen', frozenAtMs: state.frozenAtMs + ms }
          : { mode: 'offset', offsetMs: nowMs() + ms - realClock.nowMs() },
      ),
    resume: () => save(state.mode === 'frozen' ? { mode: 'offset', offsetMs: state.frozenAtMs - realClock.nowMs() } : state),
    reset: () => save({ mode: 'real' }),
    refresh,
  }
}
