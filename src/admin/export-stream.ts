import { Readable } from 'node:stream'

export type ExportFormat = 'csv' | 'ndjson'

/**
 * Streams pages fetched one after another (keyset pagination), so memory stays constant however
 * many rows there are, and the store never holds a long read transaction.
 */
export function exportStream<T extends Record<string, unknown>>(
  format: ExportFormat, columns: readonly string[], nextPage: (after: T | undefined) => Promise<T[]>,
): Readable {
  let last: T | undefined
  let headerSent = false
  let done = false
  return new Readable({
    async read() {
      try {
        if (format === 'csv' && !headerSent) {
          headerSent = true
          this.push(`${columns.join(',')}\n`)
        }
        if (done) return void this.push(null)
        const page = await nextPage(last)
        if (page.length === 0) {
          done = true
          return void this.push(null)
        }
        last = page.at(-1)
        this.push(page.map((row) => (format === 'csv' ? csvLine(columns, row) : `${JSON.stringify(row)}\n`)).join(''))
      } catch (error) {
        this.destroy(error as Error)
      }
    },
  })
}

function csvLine(columns: readonly string[], row: Record<string, unknown>): string {
  return `${columns.map((c) => csvField(row[c])).join(',')}\n`
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
