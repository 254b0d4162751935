import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { messageOf } from './admin.js'
import { useConsole } from './console-context.js'

export interface Loaded<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
  reload: () => void
}

/**
 * Loads data from the admin API when `deps` change, and again every `refreshMs` when given
 * (short polling: the admin API takes a bearer header, which EventSource cannot send). The last
 * data stays shown while a refresh runs, so nothing flickers.
 */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], refreshMs?: number): Loaded<T> {
  const { onUnauthorized } = useConsole()
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true })
  const [tick, setTick] = useState(0)
  const generation = useRef(0)
  const reload = useCallback(() => setTick((t) => t + 1), [])

  useEffect(() => {
    const mine = ++generation.current
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => mine === generation.current && setState({ data, loading: false }),
      (error: unknown) => {
        if (mine !== generation.current) return
        if (onUnauthorized(error)) return
        setState((s) => ({ ...s, error: messageOf(error), loading: false }))
      },
    )
    // `load` is a fresh closure on every render: `deps` say when what it loads changes.
  }, [...deps, tick])

  useEffect(() => {
    if (!refreshMs) return
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') reload()
    }, refreshMs)
    return () => clearInterval(timer)
  }, [refreshMs, reload])

  return { data: state.data, error: state.error, loading: state.loading, reload }
}

/** Runs an admin API action (a button, a form), keeping its error message or a success note. */
export function useAction(): {
  busy: boolean
  error: string | undefined
  note: string | undefined
  run: (action: () => Promise<unknown>, note?: string | ((result: unknown) => string)) => Promise<boolean>
  clear: () => void
} {
  const { onUnauthorized } = useConsole()
  const [state, setState] = useState<{ busy: boolean; error?: string; note?: string }>({ busy: false })
  const run = useCallback(
    async (action: () => Promise<unknown>, note?: string | ((result: unknown) => string)) => {
      setState({ busy: true })
      try {
        const result = await action()
        setState({ busy: false, note: typeof note === 'function' ? note(result) : note })
        return true
      } catch (error) {
        if (!onUnauthorized(error)) setState({ busy: false, error: messageOf(error) })
        return false
      }
    },
    [onUnauthorized],
  )
  return { busy: state.busy, error: state.error, note: state.note, run, clear: () => setState({ busy: false }) }
}
