import { useState } from 'preact/hooks'
import { messageOf } from './admin.js'
import { useConsole } from './console-context.js'
import { saveBlob, readStream } from './download.js'
import { formatNumber } from './format.js'

/**
 * Streamed exports of what the filters select (all pages, not only the one shown), as the admin
 * API's /records/export and /audit/export write them.
 */
export function ExportButtons(props: { what: 'records' | 'audit'; query: Record<string, string> }) {
  const { admin, onUnauthorized } = useConsole()
  const [state, setState] = useState<{ busy?: boolean; text?: string; error?: string }>({})
  const exportAs = async (format: 'csv' | 'ndjson') => {
    setState({ busy: true, text: 'Starting the export…' })
    try {
      const stream = await admin.export(props.what, { ...props.query, format })
      const blob = await readStream(stream, format === 'csv' ? 'text/csv' : 'application/x-ndjson', ({ lines }) =>
        setState({ busy: true, text: `Receiving… ${formatNumber(lines)} lines` }),
      )
      const filename = `meterd-${props.what}-${new Date().toISOString().replace(/[:.]/g, '-')}.${format === 'csv' ? 'csv' : 'ndjson'}`
      const rows = (await blob.text()).split('\n').filter(Boolean).length - (format === 'csv' ? 1 : 0)
      saveBlob(blob, filename)
      setState({ text: `Saved ${filename}: ${formatNumber(rows)} ${props.what === 'records' ? 'records' : 'events'}.` })
    } catch (error) {
      if (!onUnauthorized(error)) setState({ error: messageOf(error) })
    }
  }
  return (
    <div class="export">
      <span class="export-label">Export all matching</span>
      <button type="button" class="button" disabled={state.busy} onClick={() => void exportAs('csv')}>
        CSV
      </button>
      <button type="button" class="button" disabled={state.busy} onClick={() => void exportAs('ndjson')}>
        NDJSON
      </button>
      <span class={state.error ? 'bad-text small' : 'muted small'} role="status" data-testid={`${props.what}-export-status`}>
        {state.error ?? state.text}
      </span>
    </div>
  )
}
