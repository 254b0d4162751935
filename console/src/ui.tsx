import { cloneElement, type ComponentChildren, type VNode } from 'preact'
import { useId, useState } from 'preact/hooks'
import { useConsole } from './console-context.js'
import { formatInstant, formatRelative } from './format.js'

export function Card(props: { title: string; id?: string; actions?: ComponentChildren; children: ComponentChildren; wide?: boolean }) {
  const headingId = `${props.id ?? props.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-heading`
  return (
    <section class={props.wide ? 'card wide' : 'card'} aria-labelledby={headingId} id={props.id}>
      <header class="card-header">
        <h2 id={headingId}>{props.title}</h2>
        {props.actions && <div class="card-actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  )
}

export function ErrorNote(props: { message: string | undefined }) {
  if (!props.message) return null
  return (
    <p class="note error" role="alert">
      {props.message}
    </p>
  )
}

export function SuccessNote(props: { message: string | undefined }) {
  if (!props.message) return null
  return (
    <p class="note success" role="status">
      {props.message}
    </p>
  )
}

export function EmptyState(props: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{props.title}</p>
      {props.children}
    </div>
  )
}

/** Copies text to the clipboard; says so for screen readers too. */
export function CopyButton(props: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | undefined>()
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text)
      setCopied('yes')
    } catch {
      setCopied('no')
    }
    setTimeout(() => setCopied(undefined), 2000)
  }
  return (
    <button type="button" class="button small" onClick={() => void copy()} aria-label={props.label ?? 'Copy'}>
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy' : 'Copy'}
      <span class="visually-hidden" aria-live="polite">
        {copied === 'yes' ? 'Copied to the clipboard' : ''}
      </span>
    </button>
  )
}

export function CodeBlock(props: { code: string; label: string }) {
  return (
    <div class="code-block">
      <div class="code-block-bar">
        <span>{props.label}</span>
        <CopyButton text={props.code} label={`Copy ${props.label}`} />
      </div>
      <pre tabIndex={0} aria-label={props.label}>
        <code>{props.code}</code>
      </pre>
    </div>
  )
}

/** An instant in the chosen zone, with how long ago it was (relative to `nowMs`, default the real now). */
export function Time(props: { iso: string | null | undefined; nowMs?: number; relative?: boolean }) {
  const { timeZone } = useConsole()
  if (!props.iso) return <span class="muted">—</span>
  const ms = Date.parse(props.iso)
  return (
    <time dateTime={props.iso} title={props.iso}>
      {formatInstant(ms, timeZone)}
      {props.relative !== false && <span class="muted"> · {formatRelative(ms, props.nowMs ?? Date.now())}</span>}
    </time>
  )
}

export function Badge(props: { tone: 'good' | 'warn' | 'bad' | 'info' | 'plain'; children: ComponentChildren }) {
  return <span class={`badge ${props.tone}`}>{props.children}</span>
}

const STATUS_TONES: Record<string, 'good' | 'warn' | 'bad'> = { Success: 'good', CustomerNotSubscribed: 'warn', DuplicateRecord: 'bad' }
export const StatusBadge = (props: { status: string }) => <Badge tone={STATUS_TONES[props.status] ?? 'plain'}>{props.status}</Badge>

export function JsonView(props: { value: unknown; label: string }) {
  return (
    <pre class="json" tabIndex={0} aria-label={props.label}>
      <code>{JSON.stringify(props.value, null, 2)}</code>
    </pre>
  )
}

/**
 * A labelled control. The label names the control by `for`/`id` (not by wrapping it), so its
 * accessible name is the label alone; the hint describes it.
 */
export function Field(props: { label: string; hint?: string; children: VNode; wide?: boolean }) {
  const id = useId()
  return (
    <div class={props.wide ? 'field wide' : 'field'}>
      <label class="field-label" for={id}>
        {props.label}
      </label>
      {cloneElement(props.children, { id, ...(props.hint ? { 'aria-describedby': `${id}-hint` } : {}) })}
      {props.hint && (
        <span class="field-hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      )}
    </div>
  )
}

/** A value of the form's data by name, or undefined when empty. */
export function formValue(form: FormData, name: string): string | undefined {
  const value = form.get(name)
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined
}
