import { useEffect, useState } from 'preact/hooks'

/**
 * Cursor pagination over an admin API listing: the cursors of the pages seen so far, so "Previous"
 * goes back without the API needing to page backwards. Starts over when the filters change.
 */
export function usePager(filterKey: string): {
  cursor: string | undefined
  page: number
  next: (cursor: string) => void
  previous: () => void
  first: () => void
} {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  useEffect(() => setCursors([undefined]), [filterKey])
  return {
    cursor: cursors.at(-1),
    page: cursors.length,
    next: (cursor) => setCursors((c) => [...c, cursor]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    first: () => setCursors([undefined]),
  }
}
