import type { UsageRowView } from '../../src/admin/admin-client.js'
import type { Series } from './chart.js'

export type GroupBy = 'product' | 'dimension' | 'customer' | 'tag'

export interface UsageCell {
  window: string
  group: string
  quantity: number
  records: number
  /** Sum of the priced rows' amounts; undefined when none of them is priced. */
  amount: number | undefined
}

export interface UsageTable {
  windows: string[]
  groups: string[]
  cells: UsageCell[]
  series: Series[]
  total: { quantity: number; records: number; amount: number | undefined }
}

const groupOf = (row: UsageRowView, by: GroupBy) =>
  by === 'product'
    ? row.productCode
    : by === 'dimension'
      ? `${row.productCode} · ${row.dimension}`
      : by === 'customer'
        ? row.customer
        : (row.tagValue ?? '(untagged)')

const round6 = (n: number) => Math.round(n * 1e6) / 1e6

/**
 * The admin API's usage rows (per window, product, customer, dimension and tag value) summed per
 * window and the chosen group: one set of numbers for the chart, the table and the CSV alike.
 */
export function usageTable(rows: readonly UsageRowView[], by: GroupBy): UsageTable {
  const cells = new Map<string, UsageCell>()
  for (const row of rows) {
    const group = groupOf(row, by)
    const key = JSON.stringify([row.window, group])
    const cell = cells.get(key) ?? { window: row.window, group, quantity: 0, records: 0, amount: undefined }
    cell.quantity += row.quantity
    cell.records += row.records
    if (row.amount !== undefined) cell.amount = round6((cell.amount ?? 0) + row.amount)
    cells.set(key, cell)
  }
  const sorted = [...cells.values()].sort((a, b) => (a.window === b.window ? a.group.localeCompare(b.group) : a.window < b.window ? -1 : 1))
  const windows = [...new Set(sorted.map((c) => c.window))]
  const groups = [...new Set(sorted.map((c) => c.group))].sort((a, b) => a.localeCompare(b))
  const series = groups.map((group) => ({
    label: group,
    values: windows.map((w) => cells.get(JSON.stringify([w, group]))?.quantity ?? 0),
  }))
  const priced = sorted.filter((c) => c.amount !== undefined)
  return {
    windows,
    groups,
    cells: sorted,
    series,
    total: {
      quantity: sorted.reduce((n, c) => n + c.quantity, 0),
      records: sorted.reduce((n, c) => n + c.records, 0),
      amount: priced.length ? round6(priced.reduce((n, c) => n + c.amount!, 0)) : undefined,
    },
  }
}

/** `2026-11-22T13:00` → `2026-11-22 13:00`; days and months as they are. */
export const windowLabel = (window: string): string => window.replace('T', ' ')
