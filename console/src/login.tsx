import { useState } from 'preact/hooks'
import { adminClientFor, AdminRequestError, messageOf } from './admin.js'
import { Field } from './ui.js'

/**
 * Signs in with the admin token: the token is checked with one admin API call before it is kept,
 * so a wrong token is refused here, with meterd's own answer.
 */
export function Login(props: { onSignedIn: (token: string) => void; notice?: string | undefined }) {
  const [error, setError] = useState<string | undefined>()
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event) => {
    event.preventDefault()
    const value = new FormData(event.currentTarget as HTMLFormElement).get('token')
    const token = typeof value === 'string' ? value.trim() : ''
    if (!token) return setError('Enter the admin token.')
    setBusy(true)
    setError(undefined)
    try {
      await adminClientFor(token).clock()
      props.onSignedIn(token)
    } catch (e) {
      setError(
        e instanceof AdminRequestError && e.status === 401
          ? `meterd refused this token: ${e.message}`
          : `Could not sign in: ${messageOf(e)}`,
      )
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class="login" id="main">
      <form class="login-box" onSubmit={(e) => void submit(e)} aria-describedby="login-help">
        <h1>
          <span class="brand-mark" aria-hidden="true" /> meterd console
        </h1>
        {props.notice && (
          <p class="note warn" role="status">
            {props.notice}
          </p>
        )}
        <Field label="Admin token">
          <input name="token" type="password" autocomplete="current-password" required autoFocus spellcheck={false} />
        </Field>
        <p id="login-help" class="muted">
          meterd prints its admin token when it starts. It is also <code>settings.adminToken</code> in the config file, the{' '}
          <code>METERD_ADMIN_TOKEN</code> environment variable, or the file <code>admin-token</code> in meterd&apos;s data folder. It is
          kept in this tab only, until you close it or sign out.
        </p>
        {error && (
          <p class="note error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
