import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import * as entitlementSdk from '@aws-sdk/client-marketplace-entitlement-service'
import * as sdk from '@aws-sdk/client-marketplace-metering'
import { type Case, type ClientInfo, type OpName, type Outcome, type ServiceName, serviceOf, type Step } from './cases.js'
import { SOURCE_DIR } from './clients.js'

/** Runs a case's steps with one real client and reports what the client made of each answer. */
export interface Driver {
  run(c: Case): Promise<Outcome[]>
  close(): Promise<void>
}

/** A driver that runs a case's steps one after the other, each with `runStep`. */
function stepwise(runStep: (c: Case, step: Step) => Promise<Outcome>, close: () => Promise<void> = async () => {}): Driver {
  return {
    async run(c) {
      const outcomes: Outcome[] = []
      for (const step of c.steps) outcomes.push(await runStep(c, step))
      return outcomes
    },
    close,
  }
}

export const ENV_ENDPOINT = 'AWS_ENDPOINT_URL_MARKETPLACE_METERING'
const TIMESTAMP_MEMBERS = new Set(['Timestamp', 'PublicKeyRotationTimestamp', 'ExpirationDate'])
export const marker = (c: Case) => `mcase-${c.id}`

type Ts = { $ts: number }
const isTs = (v: unknown): v is Ts => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1 && '$ts' in v

/** Replaces {$ts: ms} in step parameters. */
function mapTimestamps(value: unknown, f: (ms: number) => unknown): unknown {
  if (isTs(value)) return f(value.$ts)
  if (Array.isArray(value)) return value.map((v) => mapTimestamps(v, f))
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapTimestamps(v, f)]))
  return value
}

// ---------------------------------------------------------------------------------------------
// The JS SDK, in this process

const COMMANDS: Record<OpName, new (input: any) => any> = {
  BatchMeterUsage: sdk.BatchMeterUsageCommand,
  MeterUsage: sdk.MeterUsageCommand,
  RegisterUsage: sdk.RegisterUsageCommand,
  ResolveCustomer: sdk.ResolveCustomerCommand,
  GetEntitlements: entitlementSdk.GetEntitlementsCommand,
}

/** Each service's client, its base exception and the module that exports its exceptions. */
const JS_SERVICES: Record<
  ServiceName,
  { Client: new (config: any) => any; Base: new (...args: any[]) => Error; exports: Record<string, unknown> }
> = {
  metering: { Client: sdk.MarketplaceMeteringClient, Base: sdk.MarketplaceMeteringServiceException, exports: sdk },
  entitlement: {
    Client: entitlementSdk.MarketplaceEntitlementServiceClient,
    Base: entitlementSdk.MarketplaceEntitlementServiceServiceException,
    exports: entitlementSdk,
  },
}

/** Every page of a paginated GetEntitlements, through the SDK's own paginator. */
async function allPages(
  client: entitlementSdk.MarketplaceEntitlementServiceClient,
  pageSize: number,
  input: entitlementSdk.GetEntitlementsCommandInput,
) {
  const entitlements: entitlementSdk.Entitlement[] = []
  for await (const page of entitlementSdk.paginateGetEntitlements({ client, pageSize }, input))
    entitlements.push(...(page.Entitlements ?? []))
  return { Entitlements: entitlements }
}

class LeftTheMachine extends Error {
  constructor(readonly target: string) {
    super(`refused to send a request to ${target}`)
    this.name = 'LeftTheMachine'
  }
}

function normalizeJs(value: unknown): unknown {
  if (value instanceof Date) return { $dt: value.getTime() / 1000, via: 'Date' }
  if (Array.isArray(value)) return value.map(normalizeJs)
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeJs(v)]))
  return value
}

export function jsDriver(url: string): Driver {
  const runStep = async (c: Case, step: Step): Promise<Outcome> => {
    // The SDK reads the variable when it resolves the endpoint, per request; only this driver runs in-process with SigV4.
    if (c.endpoint === 'env') process.env[ENV_ENDPOINT] = url
    const service = JS_SERVICES[serviceOf(step.op)]
    const client = new service.Client({
      region: step.region,
      credentials: step.cred,
      customUserAgent: marker(c),
      ...(c.endpoint === 'arg' ? { endpoint: url } : {}),
      ...(c.maxAttempts ? { maxAttempts: c.maxAttempts } : {}),
    })
    // Nothing but meterd is ever called: a request aimed elsewhere stops here, before any socket opens.
    client.middlewareStack.add(
      (next: (args: unknown) => Promise<unknown>) => async (args: { request: { hostname?: string; port?: number; protocol?: string } }) => {
        const request = args.request
        if (request.hostname !== '127.0.0.1' && request.hostname !== 'localhost') {
          throw new LeftTheMachine(`${request.hostname}:${request.port ?? (request.protocol === 'http:' ? 80 : 443)}`)
        }
        return next(args)
      },
      { step: 'build', name: 'conformanceGuard' },
    )
    try {
      const input = mapTimestamps(step.params, (ms) => new Date(ms))
      if (step.paginate) return { kind: 'success', output: normalizeJs(await allPages(client, step.paginate, input as never)) }
      const { $metadata, ...output } = await client.send(new COMMANDS[step.op](input))
      return { kind: 'success', output: normalizeJs(output), clientAttempts: $metadata.attempts }
    } catch (error) {
      if (error instanceof LeftTheMachine) return { kind: 'ignored', target: error.target }
      if (error instanceof service.Base) {
        const serviceError = error as Error & { $fault?: string; $metadata?: { httpStatusCode?: number; attempts?: number } }
        // The assertion: the error is an instance of the SDK's exported class of that name.
        const expected = step.expect.kind === 'error' ? service.exports[step.expect.code] : undefined
        const ctor = error.constructor as { name: string }
        const exported = service.exports[ctor.name] === ctor
        const via =
          typeof expected === 'function' && error instanceof (expected as new () => Error)
            ? step.expect.kind === 'error'
              ? step.expect.code
              : ctor.name
            : exported
              ? ctor.name
              : `${ctor.name} (not exported by the SDK)`
        return {
          kind: 'error',
          code: error.name,
          via,
          fault: serviceError.$fault,
          status: serviceError.$metadata?.httpStatusCode,
          message: error.message,
          clientAttempts: serviceError.$metadata?.attempts,
        }
      }
      const e = error as Error
      return { kind: 'exception', via: e?.name ?? typeof error, message: e?.message ?? String(error) }
    } finally {
      client.destroy()
      if (c.endpoint === 'env') delete process.env[ENV_ENDPOINT]
    }
  }
  return stepwise(runStep)
}

// ---------------------------------------------------------------------------------------------
// boto3, in a Python process that stays up for the whole run

export function boto3Driver(python: string, url: string, env: NodeJS.ProcessEnv): Driver {
  const driver = lineProcess(python, ['-u', join(SOURCE_DIR, 'boto3_driver.py')], env)
  return {
    async run(c) {
      const line = await driver.ask({ url, case: c })
      if (line === undefined) return [{ kind: 'exception', via: 'boto3_driver.py exited', message: driver.stderr().trim() }]
      return (JSON.parse(line) as { outcomes: Outcome[] }).outcomes
    },
    close: () => driver.close(),
  }
}

/** A process that answers each JSON line written to it with one line (the Python drivers). */
function lineProcess(file: string, args: string[], env: NodeJS.ProcessEnv) {
  const child: ChildProcess = spawn(file, args, { env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr!.on('data', (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000)
  })
  const waiting: ((line: string | undefined) => void)[] = []
  const lines = createInterface({ input: child.stdout! })
  lines.on('line', (line) => waiting.shift()?.(line))
  child.on('exit', () => {
    while (waiting.length) waiting.shift()!(undefined)
  })
  return {
    ask: (request: unknown) =>
      new Promise<string | undefined>((resolve) => {
        if (child.exitCode !== null) return resolve(undefined)
        waiting.push(resolve)
        child.stdin!.write(`${JSON.stringify(request)}\n`)
      }),
    stderr: () => stderr,
    async close() {
      child.stdin!.end()
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)))
    },
  }
}

/** A sealed environment for Python clients: no ~/.aws, no instance metadata, no proxy but a trap. */
export function sealedEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(home, 'no-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'no-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_DEFAULT_OUTPUT: 'json',
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    ...extra,
  }
}

// ---------------------------------------------------------------------------------------------
// The AWS CLIs: their own entry point, one call per step, in a Python process that stays up

/** A local HTTP proxy that answers 403 to everything and remembers where each request wanted to go. */
async function startTrap(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = []
  const server: Server = createServer((socket) => {
    socket.once('data', (data) => {
      const [method, target] = data.toString('latin1').split('\r\n')[0]!.split(' ')
      hits.push(method === 'CONNECT' ? target! : new URL(target!).host)
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
const iso = (ms: number) => new Date(ms).toISOString()

/** Step parameters as CLI options: scalars as values, booleans as --x / --no-x, structures as JSON. */
export function cliOptions(params: Record<string, unknown>): string[] {
  const options: string[] = []
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue
    if (typeof value === 'boolean') options.push(value ? `--${kebab(name)}` : `--no-${kebab(name)}`)
    else if (isTs(value)) options.push(`--${kebab(name)}`, iso(value.$ts))
    else if (typeof value === 'object' && value !== null) options.push(`--${kebab(name)}`, JSON.stringify(mapTimestamps(value, iso)))
    else if (typeof value === 'string' || typeof value === 'number') options.push(`--${kebab(name)}`, String(value))
    else throw new Error(`cannot pass ${typeof value} ${name} as a CLI option`)
  }
  return options
}

function normalizeCli(value: unknown, key?: string): unknown {
  if (key !== undefined && TIMESTAMP_MEMBERS.has(key)) {
    if (typeof value === 'number') return { $dt: value, via: 'epoch' }
    if (typeof value === 'string') return { $dt: Date.parse(value) / 1000, via: 'iso' }
  }
  if (Array.isArray(value)) return value.map((v) => normalizeCli(v))
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeCli(v, k)]))
  return value
}

const lastLine = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .at(-1) ?? ''
const SERVICE_ERROR = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ?(.*)/
const CLIENT_SIDE =
  /the following arguments are required|Parameter validation failed|Unknown options|Invalid (type|length|range) for parameter|Missing required parameter|Unknown parameter/

export async function cliDriver(info: ClientInfo, command: { interpreter?: string }, url: string): Promise<Driver> {
  const trap = await startTrap()
  const home = mkdtempSync(join(tmpdir(), `meterd-${info.id}-`))
  const cli = lineProcess(command.interpreter ?? 'python3', ['-u', join(SOURCE_DIR, 'cli_driver.py')], sealedEnv(home))
  const runStep = async (c: Case, step: Step): Promise<Outcome> => {
    const env = sealedEnv(home, {
      AWS_ACCESS_KEY_ID: step.cred.accessKeyId,
      AWS_SECRET_ACCESS_KEY: step.cred.secretAccessKey,
      AWS_DEFAULT_REGION: step.region,
      // botocore adds exec-env/<this> to the User-Agent: how meterd's audit trail tells the cases apart.
      AWS_EXECUTION_ENV: marker(c),
      // Anything not for 127.0.0.1 goes to the trap, which refuses it: no request leaves the machine.
      HTTPS_PROXY: trap.url,
      HTTP_PROXY: trap.url,
      https_proxy: trap.url,
      http_proxy: trap.url,
      ...(c.maxAttempts ? { AWS_MAX_ATTEMPTS: String(c.maxAttempts) } : {}),
      ...(c.endpoint === 'env' ? { [ENV_ENDPOINT]: url } : {}),
    })
    const args = [
      serviceOf(step.op) === 'entitlement' ? 'marketplace-entitlement' : 'meteringmarketplace',
      kebab(step.op),
      ...cliOptions(step.params),
      // The CLI pages through every operation that has a paginator by itself; --page-size sets MaxResults.
      ...(step.paginate ? ['--page-size', String(step.paginate)] : []),
      ...(c.endpoint === 'arg' ? ['--endpoint-url', url] : []),
      '--output',
      'json',
    ]
    const hitsBefore = trap.hits.length
    const answer = await cli.ask({ args, env })
    if (answer === undefined) return { kind: 'exception', via: 'cli_driver.py exited', message: cli.stderr().trim() }
    const result = JSON.parse(answer) as { exitCode: number; stdout: string; stderr: string }
    const hits = trap.hits.slice(hitsBefore)
    if (hits.length > 0) return { kind: 'ignored', target: hits[0]!, exitCode: result.exitCode }
    if (result.exitCode === 0) return { kind: 'success', output: normalizeCli(JSON.parse(result.stdout || '{}')) }
    const service = SERVICE_ERROR.exec(result.stderr)
    if (service)
      return { kind: 'error', code: service[1]!, operation: service[2]!, via: 'stderr', exitCode: result.exitCode, message: service[3]! }
    if (CLIENT_SIDE.test(result.stderr))
      return { kind: 'client-side', via: 'stderr', message: lastLine(result.stderr), exitCode: result.exitCode }
    return { kind: 'exception', via: `exit ${result.exitCode}`, message: lastLine(result.stderr), exitCode: result.exitCode }
  }
  return stepwise(runStep, async () => {
    await cli.close()
    await trap.close()
    rmSync(home, { recursive: true, force: true })
  })
}

// ---------------------------------------------------------------------------------------------
// A client generated from an OpenAPI description: plain JSON over POST /, no signature

export function openApiDriver(url: string): Driver {
  const normalize = (value: unknown, key?: string): unknown => {
    if (key !== undefined && TIMESTAMP_MEMBERS.has(key)) {
      return typeof value === 'number' ? { $dt: value, via: 'json' } : { $dt: Number.NaN, via: `JSON ${typeof value}` }
    }
    if (Array.isArray(value)) return value.map((v) => normalize(v))
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, k)]))
    return value
  }
  const runStep = async (c: Case, step: Step): Promise<Outcome> => {
    try {
      const response = await fetch(`${url}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-amz-target': `${serviceOf(step.op) === 'entitlement' ? 'AWSMPEntitlementService' : 'AWSMPMeteringService'}.${step.op}`,
          'user-agent': `openapi-generator/7 ${marker(c)}`,
        },
        body: JSON.stringify(mapTimestamps(step.params, (ms) => ms / 1000)),
      })
      const body = JSON.parse(await response.text()) as Record<string, unknown>
      if (response.ok) return { kind: 'success', output: normalize(body) }
      return {
        kind: 'error',
        code: String(body.__type),
        via: 'fetch',
        status: response.status,
        header: response.headers.get('x-amzn-errortype') ?? '(none)',
        message: String(body.message),
      }
    } catch (error) {
      return { kind: 'exception', via: (error as Error).name, message: (error as Error).message }
    }
  }
  return stepwise(runStep)
}
