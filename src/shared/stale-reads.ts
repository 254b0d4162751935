/**
 * State cached from the store is re-read every second (another node may have changed it) and
 * also changed here. A re-read that began before a local change finished may land after it with
 * the old value; this guard drops such reads, so a node never reverts its own latest change.
 */
export interface StaleReadGuard {
  /** Runs a local change (cache and store); reads overlapping it are not applied. */
  write<T>(change: () => Promise<T>): Promise<T>
  /** Loads, then applies the value only if no local change overlapped the load. Returns the value either way. */
  read<T>(load: () => Promise<T>, apply: (value: T) => void): Promise<T>
}

export function staleReadGuard(): StaleReadGuard {
  let changes = 0 // counts starts and ends of local changes
  let changing = 0
  return {
    async write(change) {
      changes++
      changing++
      try {
        return await change()
      } finally {
        changing--
        changes++
      }
    },
    async read(load, apply) {
      const at = changes
      const value = await load()
      if (at === changes && changing === 0) apply(value)
      return value
    },
  }
}
