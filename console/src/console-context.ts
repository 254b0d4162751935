import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { AdminClient } from './admin.js'

export interface ConsoleContext {
  admin: AdminClient
  /** The zone every time and window is shown in (the header's picker). */
  timeZone: string
  /** Signs out when the admin API refused the token; true if it did. */
  onUnauthorized: (error: unknown) => boolean
}

export const ConsoleContextValue = createContext<ConsoleContext | undefined>(undefined)

export function useConsole(): ConsoleContext {
  const value = useContext(ConsoleContextValue)
  if (!value) throw new Error('useConsole outside the signed-in console')
  return value
}
