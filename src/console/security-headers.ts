/**
 * Headers every console response carries. The console is built for a strict Content Security
 * Policy: one same-origin script module, one stylesheet, no inline script, style attribute or
 * event handler, no eval, and it talks to its own origin only (the admin API). The wire layer's
 * shared HTML security headers can replace this list once they exist; keep them equivalent.
 */
export const CONSOLE_SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
})
