import {
  type Case,
  type ClientId,
  type ClientInfo,
  type Expect,
  faultOf,
  type OpName,
  OPERATIONS,
  type Outcome,
  serviceOf,
  type Step,
  statusOf,
  type SuccessCheck,
  type TimestampForm,
} from './cases.js'

/**
 * Judging a case (what the client should have done against what it did) and rendering the
 * compatibility document. Texts hold no per-run values (ids, ports, times), so the same behaviour
 * renders the same document.
 */
export interface Row {
  client: ClientId
  caseId: string
  operation: OpName
  name: string
  endpoint: 'arg' | 'env'
  expected: string
  observed: string
  attempts: { expected: number; observed: number }
  ok: boolean
  outcomes: Outcome[]
}

const FORM: Record<TimestampForm, string> = {
  Date: 'a Date',
  datetime: 'a datetime',
  epoch: 'the epoch number as received',
  iso: 'ISO-8601 text',
  json: 'a JSON number',
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
/** Timestamps are compared to the millisecond (a datetime keeps microseconds, a float may round). */
const TOLERANCE_S = 0.0015

interface ErrorShape {
  code: string
  via: string
  status?: number
  fault?: string
  exitCode?: number
  operation?: string
  header?: string
}

function errorText(client: ClientInfo, e: ErrorShape): string {
  switch (client.family) {
    case 'js':
      return `${e.via === e.code ? `instance of ${e.code}` : `${e.via}, name ${e.code}`} · $fault ${e.fault} · HTTP ${e.status}`
    case 'boto3':
      return `${e.via === 'ClientError' ? `ClientError, Code ${e.code}` : e.via} · HTTP ${e.status}`
    case 'cli':
      return `"An error occurred (${e.code}) when calling the ${e.operation} operation: …" · exit ${e.exitCode}`
    case 'openapi':
      return `HTTP ${e.status} · __type ${e.code} · x-amzn-ErrorType ${e.header}`
  }
}

function expectedError(client: ClientInfo, op: OpName, code: string, modeled: boolean): ErrorShape {
  const via =
    client.family === 'js'
      ? modeled
        ? code
        : serviceOf(op) === 'entitlement'
          ? 'MarketplaceEntitlementServiceServiceException'
          : 'MarketplaceMeteringServiceException'
      : client.family === 'boto3'
        ? modeled
          ? `client.exceptions.${code}`
          : 'ClientError'
        : client.family === 'cli'
          ? 'stderr'
          : 'fetch'
  return { code, via, status: statusOf(code), fault: faultOf(code), exitCode: client.exit?.serviceError, operation: op, header: code }
}

const dt = (value: unknown): { $dt: number; via: TimestampForm } | undefined =>
  typeof value === 'object' && value !== null && '$dt' in value ? (value as { $dt: number; via: TimestampForm }) : undefined

/** The success text; with an output, the one the output earns, and what is wrong with it. */
function success(client: ClientInfo, check: SuccessCheck, output?: any): { text: string; problems: string[] } {
  const problems: string[] = []
  const form = (value: unknown): string => {
    const t = dt(value)
    if (output === undefined) return FORM[client.timestampForm]
    return t ? (FORM[t.via] ?? t.via) : `not parsed (${JSON.stringify(value)})`
  }
  const near = (value: unknown, seconds: number, what: string) => {
    const t = dt(value)
    if (!t || !(Math.abs(t.$dt - seconds) < TOLERANCE_S)) problems.push(`${what} is ${JSON.stringify(value)}, expected ${seconds}`)
  }
  switch (check.op) {
    case 'MeterUsage':
      if (output !== undefined && !UUID.test(String(output.MeteringRecordId)))
        problems.push(`MeteringRecordId ${JSON.stringify(output.MeteringRecordId)}`)
      return { text: 'success · MeteringRecordId', problems }
    case 'BatchMeterUsage': {
      const results = (output?.Results ?? []) as any[]
      if (output !== undefined) {
        if (results.length !== check.records.length) problems.push(`${results.length} Results, expected ${check.records.length}`)
        if (!Array.isArray(output.UnprocessedRecords) || output.UnprocessedRecords.length !== 0) {
          problems.push(`UnprocessedRecords ${JSON.stringify(output.UnprocessedRecords)}`)
        }
        check.records.forEach((expected, i) => {
          const result = results[i]
          if (!result) return
          if (result.Status !== expected.status) problems.push(`Status ${result.Status}`)
          if (!UUID.test(String(result.MeteringRecordId))) problems.push(`MeteringRecordId ${JSON.stringify(result.MeteringRecordId)}`)
          // What the client put on the wire: JS and fetch send milliseconds, botocore whole seconds.
          const sent =
            client.family === 'js' || client.family === 'openapi' ? expected.timestampMs / 1000 : Math.floor(expected.timestampMs / 1000)
          near(result.UsageRecord?.Timestamp, sent, 'UsageRecord.Timestamp')
          for (const [member, value] of Object.entries(expected.echo)) {
            if (JSON.stringify(result.UsageRecord?.[member]) !== JSON.stringify(value))
              problems.push(`UsageRecord.${member} ${JSON.stringify(result.UsageRecord?.[member])}`)
          }
        })
      }
      const members = Object.keys(check.records[0]?.echo ?? {}).filter((m) => m !== 'Dimension' && m !== 'Quantity')
      return {
        text:
          `success · Status ${check.records.map((r) => r.status).join(', ')} · echoed Timestamp is ${form(results[0]?.UsageRecord?.Timestamp)}` +
          ` equal to the one sent (${client.family === 'js' || client.family === 'openapi' ? 'milliseconds kept' : 'whole seconds on the wire'})` +
          ` · echoes ${members.join(', ')} · UnprocessedRecords []`,
        problems,
      }
    }
    case 'RegisterUsage': {
      if (output !== undefined) {
        if (!JWS.test(String(output.Signature))) problems.push(`Signature ${JSON.stringify(output.Signature)}`)
        if (check.rotationTimestampMs !== undefined)
          near(output.PublicKeyRotationTimestamp, check.rotationTimestampMs / 1000, 'PublicKeyRotationTimestamp')
        else if (output.PublicKeyRotationTimestamp !== undefined)
          problems.push(`unexpected PublicKeyRotationTimestamp ${JSON.stringify(output.PublicKeyRotationTimestamp)}`)
      }
      return {
        text:
          check.rotationTimestampMs !== undefined
            ? `success · Signature (JWS) · PublicKeyRotationTimestamp is ${form(output?.PublicKeyRotationTimestamp)}, equal to key 1's expiry`
            : 'success · Signature (JWS) · no PublicKeyRotationTimestamp',
        problems,
      }
    }
    case 'GetEntitlements': {
      const got = (output?.Entitlements ?? []) as Record<string, unknown>[]
      if (output !== undefined) {
        if (got.length !== check.entitlements.length) problems.push(`${got.length} Entitlements, expected ${check.entitlements.length}`)
        check.entitlements.forEach(({ ExpirationMs, ...members }, i) => {
          const e = got[i]
          if (!e) return
          for (const [member, value] of Object.entries(members))
            if (JSON.stringify(e[member]) !== JSON.stringify(value))
              problems.push(`Entitlements[${i}].${member} ${JSON.stringify(e[member])}`)
          near(e.ExpirationDate, ExpirationMs / 1000, `Entitlements[${i}].ExpirationDate`)
          for (const member of check.absent ?? []) if (e[member] !== undefined) problems.push(`Entitlements[${i}].${member} present`)
        })
      }
      const members = Object.keys(check.entitlements[0] ?? {}).filter((m) => m !== 'ExpirationMs' && m !== 'Value')
      return {
        text:
          `success · ${check.entitlements.length} Entitlements, each ${members.join(', ')}, typed Value` +
          ` · ExpirationDate is ${form(got[0]?.ExpirationDate)}${check.absent?.length ? ` · no ${check.absent.join(', ')}` : ''}`,
        problems,
      }
    }
    case 'ResolveCustomer': {
      if (output !== undefined) {
        for (const [member, value] of Object.entries(check.expected))
          if (output[member] !== value) problems.push(`${member} ${JSON.stringify(output[member])}`)
        for (const member of check.absent ?? []) if (output[member] !== undefined) problems.push(`${member} present`)
      }
      return {
        text: `success · ${Object.keys(check.expected).join(', ')}${check.absent?.length ? ` · no ${check.absent.join(', ')}` : ''}`,
        problems,
      }
    }
  }
}

function expectedText(client: ClientInfo, step: Step): string {
  const e: Expect = step.expect
  switch (e.kind) {
    case 'success':
      return success(client, e.check).text
    case 'error':
      return errorText(client, expectedError(client, step.op, e.code, e.modeled))
    case 'client-side':
      return `refused by the client before sending (${e.reason})${client.exit ? ` · exit ${client.exit.clientSide}` : ''}`
    case 'ignored':
      return `variable not read (${e.reason}): the request heads for AWS`
  }
}

function judgeStep(client: ClientInfo, step: Step, outcome: Outcome | undefined): { ok: boolean; expected: string; observed: string } {
  const expected = expectedText(client, step)
  const e = step.expect
  if (!outcome) return { ok: false, expected, observed: 'no outcome reported' }
  switch (outcome.kind) {
    case 'success': {
      if (e.kind !== 'success') return { ok: false, expected, observed: `success: ${JSON.stringify(outcome.output).slice(0, 200)}` }
      const { text, problems } = success(client, e.check, outcome.output)
      return {
        ok: problems.length === 0 && text === expected,
        expected,
        observed: problems.length ? `${text} — but ${problems.join('; ')}` : text,
      }
    }
    case 'error': {
      const observed = errorText(client, outcome)
      return { ok: e.kind === 'error' && observed === expected, expected, observed }
    }
    case 'client-side': {
      const exit = outcome.exitCode !== undefined ? ` · exit ${outcome.exitCode}` : ''
      const ok = e.kind === 'client-side' && (!client.exit || outcome.exitCode === client.exit.clientSide)
      return { ok, expected, observed: `refused by the client before sending${exit}: ${outcome.message}` }
    }
    case 'ignored':
      return {
        ok: e.kind === 'ignored' && /\.amazonaws\.com(:\d+)?$/.test(outcome.target),
        expected,
        observed: `variable not read: the request headed for ${outcome.target} (stopped by a local trap)`,
      }
    case 'exception':
      return { ok: false, expected, observed: `${outcome.via}: ${outcome.message}` }
  }
}

export function judgeCase(client: ClientInfo, c: Case, outcomes: Outcome[], attempts: number): Row {
  const verdicts = c.steps.map((step, i) => judgeStep(client, step, outcomes[i]))
  const failing = verdicts.findIndex((v) => !v.ok)
  const last = verdicts.at(-1)!
  const observed = failing >= 0 && failing < verdicts.length - 1 ? `step ${failing + 1}: ${verdicts[failing]!.observed}` : last.observed
  const prefix = c.steps.length > 1 ? 'after a first call that succeeds: ' : ''
  return {
    client: c.client,
    caseId: c.id,
    operation: c.operation,
    name: c.name,
    endpoint: c.endpoint,
    expected: prefix + last.expected,
    observed: prefix + observed,
    attempts: { expected: c.expectedAttempts, observed: attempts },
    ok: failing === -1 && attempts === c.expectedAttempts,
    outcomes,
  }
}

// ---------------------------------------------------------------------------------------------
// docs/compatibility.md

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

const ENDPOINT_OPTION: Record<ClientInfo['family'], string> = {
  js: '`endpoint`',
  boto3: '`endpoint_url`',
  cli: '`--endpoint-url`',
  openapi: 'base URL',
}

export function renderCompatibility(clients: readonly ClientInfo[], rows: readonly Row[]): string {
  const out: string[] = []
  const rowsOf = (id: ClientId) => rows.filter((r) => r.client === id)
  out.push(
    '# Compatibility with the real AWS clients',
    '',
    '<!-- GENERATED by test/conformance/conformance.test.ts from its run: do not edit. The test fails when this file',
    '     differs from what the run produced (and rewrites it, so the diff is there to review and commit). -->',
    '',
    'Each row is one case of the conformance suite: a real client, pointed at meterd, calls an operation and the suite',
    'checks what the client made of the answer. "Attempts" counts the requests meterd\'s audit trail shows for the case',
    '(retries included). How the suite works, and what the results mean, is in [conformance.md](conformance.md).',
    '',
    '## Clients',
    '',
    '| Client | Version | Service model | Endpoint option | `AWS_ENDPOINT_URL_MARKETPLACE_METERING` | Retry mode: attempts when every attempt fails | CLI exit codes |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  )
  for (const client of clients) {
    const own = rowsOf(client.id)
    const viaOption = own.filter((r) => r.endpoint === 'arg' && r.outcomes.some((o) => o.kind === 'success'))
    const env = own.find((r) => r.endpoint === 'env')
    const envText =
      client.family === 'openapi'
        ? 'n/a'
        : !env
          ? '(not run in this mode)'
          : !env.ok
            ? `❌ ${env.observed}`
            : env.outcomes[0]?.kind === 'ignored'
              ? `⚠️ ignored: ${client.envEndpoint.note}`
              : '✅ used'
    const exhausted = own.filter((r) => r.name.endsWith('(retries exhausted)'))
    const retries =
      client.family === 'openapi'
        ? 'none (plain fetch)'
        : `${client.retry.mode}: ${exhausted.map((r) => `${r.attempts.observed} (${r.name.split(' ')[0]})`).join(', ') || '—'}`
    const exits = (kind: Outcome['kind']) =>
      [
        ...new Set(
          own
            .flatMap((r) => r.outcomes)
            .filter((o) => o.kind === kind)
            .map((o) => (o as { exitCode?: number }).exitCode),
        ),
      ]
        .sort()
        .join(', ')
    const exitText =
      client.family !== 'cli'
        ? '—'
        : [
            `service error: ${exits('error') || '—'}`,
            `refused client-side: ${exits('client-side') || '—'}`,
            `endpoint not reachable: ${exits('ignored') || '—'}`,
          ].join('; ')
    out.push(
      `| ${cell(client.label)} | ${cell(client.version)} | ${cell(client.model.version)} | ${viaOption.length ? `${viaOption.some((r) => r.ok) ? '✅' : '❌'} ${ENDPOINT_OPTION[client.family]}` : '—'} | ${cell(envText)} | ${cell(retries)} | ${cell(exitText)} |`,
    )
  }
  out.push('', '## Summary', '', `| Client | ${OPERATIONS.join(' | ')} |`, `| --- |${OPERATIONS.map(() => ' --- |').join('')}`)
  for (const client of clients) {
    const counts = OPERATIONS.map((op) => {
      const own = rowsOf(client.id).filter((r) => r.operation === op)
      if (own.length === 0) return '—'
      const passed = own.filter((r) => r.ok).length
      return `${passed === own.length ? '✅' : '❌'} ${passed}/${own.length}`
    })
    out.push(`| ${cell(client.label)} | ${counts.join(' | ')} |`)
  }
  for (const client of clients) {
    out.push(
      '',
      `## ${client.label}`,
      '',
      `${client.version}; service model ${client.model.version}.`,
      '',
      '| Operation | Case | What the client made of it | Attempts | OK |',
      '| --- | --- | --- | --- | --- |',
    )
    const ordered = OPERATIONS.flatMap((op) => rowsOf(client.id).filter((r) => r.operation === op))
    for (const row of ordered) {
      const attempts =
        row.attempts.observed === row.attempts.expected
          ? String(row.attempts.observed)
          : `${row.attempts.observed} (expected ${row.attempts.expected})`
      const observed = row.expected === row.observed ? row.observed : `${row.observed} — expected: ${row.expected}`
      out.push(`| ${row.operation} | ${cell(row.name)} | ${cell(observed)} | ${attempts} | ${row.ok ? '✅' : '❌'} |`)
    }
  }
  out.push('')
  return out.join('\n')
}
