import { Readable } from 'node:stream'

export type ExportFormat = 'csv' | 'ndjson'

/**
 * Streams pages fetched one after another (keyset pagination), so memory stays constant however
 * many rows there are, and the store never holds a long read transaction.
 */
export function exportStream<T extends Record<string, unknown>>(
  format: ExportFormat,
  columns: readonly string[],
  nextPage: (after: T | undefined) => Promise<T[]>,
): Readable {
  let last: T | undefined
  let header = format === 'csv' ? `${columns.join(',')}\n` : ''
  let done = false
  return new Readable({
    // Exactly one push per read: a push lets the stream call read again, and two reads running
    // at once would fetch the same page twice.
    read() {
      if (done) return void this.push(null)
      nextPage(last).then(
        (page) => {
          const head = header
          header = ''
          if (page.length === 0) {
            done = true
            return void this.push(head || null)
          }
          last = page.at(-1)
          this.push(head + page.map((row) => (format === 'csv' ? csvLine(columns, row) : `${JSON.stringify(row)}\n`)).join(''))
        },
        (error: unknown) => this.destroy(error instanceof Error ? error : new Error(JSON.stringify(error))),
      )
    },
  })
}

function csvLine(columns: readonly string[], row: Record<string, unknown>): string {
  return `${columns.map((c) => csvField(row[c])).join(',')}\n`
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = typeof value === 'string' ? value : JSON.stringify(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
