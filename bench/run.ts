import { type ChildProcess, execFileSync, fork, type ForkOptions } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import type { PhaseRequest, PhaseResult, ServerStats, Target, Workload } from './messages.js'
import { type BenchWorldSize, benchWorld } from './world.js'

/**
 * `npm run bench`: meterd vs a bare node:http echo server, under the same signed load.
 * Three child processes — meterd, the echo baseline, the load generator — so no two of them share
 * an event loop. Per workload and target: a warm-up, then a measured phase.
 *
 * Env: BENCH_SECONDS (10), BENCH_WARMUP (2), BENCH_CONCURRENCY (48), BENCH_BUYERS (10000),
 * BENCH_CUSTOMERS (10000), BENCH_PROFILE=dir (CPU profile of meterd per measured phase, into dir;
 * read with `node dist/bench/profile-summary.js FILE`),
 * BENCH_ONLY=MeterUsage|BatchMeterUsage (one workload, e.g. to profile it), BENCH_KEEP=1 (keep the data dir).
 */
const env = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback)
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`)
  return value
}
const SECONDS = env('BENCH_SECONDS', 10)
const WARMUP = env('BENCH_WARMUP', 2)
const CONCURRENCY = env('BENCH_CONCURRENCY', 48)
// Enough resources/customers that a run mostly opens new (slot, hour) records instead of replaying.
const SIZE: BenchWorldSize = { buyers: env('BENCH_BUYERS', 10_000), customers: env('BENCH_CUSTOMERS', 10_000) }
const TARGETS: Record<Workload, number> = { MeterUsage: 0.5, BatchMeterUsage: 0.3 }
const WORKLOADS = (['MeterUsage', 'BatchMeterUsage'] as const).filter((w) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === w)

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** A forked child that answers IPC messages; fails loudly if it dies mid-run. */
class Child {
  readonly process: ChildProcess
  readonly #exited: Promise<number | null>
  constructor(readonly name: string, file: string, args: string[] = [], options: ForkOptions = {}) {
    this.process = fork(file, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...options })
    this.#exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)))
  }

  /** Resolves with the next message of `type`; rejects if the child exits first. */
  next<T = any>(type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: { type: string }) => {
        if (message.type !== type) return
        cleanup()
        resolve(message as T)
      }
      const onExit = (code: number | null) => {
        cleanup()
        reject(new Error(`${this.name} exited (code ${code}) while waiting for '${type}'`))
      }
      const cleanup = () => {
        this.process.off('message', onMessage)
        this.process.off('exit', onExit)
      }
      this.process.on('message', onMessage)
      this.process.once('exit', onExit)
    })
  }

  ask<T = any>(message: object, replyType: string): Promise<T> {
    const reply = this.next<T>(replyType)
    this.process.send(message)
    return reply
  }

  /** Asks the child to stop ('stop' over IPC, or a signal, as for `meterd serve`) and waits for it. */
  async stop(signal?: NodeJS.Signals): Promise<void> {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      if (signal) this.process.kill(signal)
      else if (this.process.connected) this.process.send({ type: 'stop' })
    }
    await this.#exited
  }
}

/**
 * meterd as shipped: `meterd serve --config world.json --data DIR --port 0 --no-quotas`, with the
 * default durable ledger, plus a preloaded observer of its group commits. The AWS request quotas
 * (10/s per account) are off because the bench measures capacity, and all of its MeterUsage load
 * comes from one buyer account. Resolves with the URL of the first line meterd prints
 * ("meterd listening on http://...").
 */
async function startMeterd(configFile: string, dataDir: string): Promise<{ child: Child; url: string }> {
  const execArgv = ['--import', pathToFileURL(here('./meterd-instrument.js')).href]
  const child = new Child('meterd', here('../../bin/meterd.js'), ['serve', '--config', configFile, '--data', dataDir, '--port', '0', '--no-quotas'],
    { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  const url = await new Promise<string>((resolve, reject) => {
    let out: string | undefined = ''
    const onData = (chunk: Buffer) => {
      if (out === undefined) return
      out += chunk.toString('utf8')
      const match = /meterd listening on (http:\/\/\S+)/.exec(out)
      if (match) {
        resolve(match[1]!)
        out = undefined
      }
    }
    child.process.stdout!.on('data', onData) // keeps draining the banner so meterd never blocks on stdout
    child.process.once('exit', (code) => reject(new Error(`meterd exited (code ${code}) before listening:\n${out}`)))
  })
  return { child, url }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

interface Row extends PhaseResult {
  server?: ServerStats
}

function describe(row: Row, baseline?: Row): string {
  const rps = row.requests / row.seconds
  let line = `${row.workload.padEnd(15)} ${row.target.padEnd(8)} ${fmt(rps).padStart(7)} req/s ${fmt(row.records / row.seconds).padStart(8)} rec/s`
    + `  p50 ${fmt(row.p50Ms, 2).padStart(6)} ms  p99 ${fmt(row.p99Ms, 2).padStart(6)} ms  errors ${row.errors}  conns ${row.connections}  client CPU ${fmt(row.clientCpu * 100)}%`
  if (baseline) line += `  = ${fmt(rps / (baseline.requests / baseline.seconds), 2)}x baseline`
  if (row.target === 'meterd') {
    line += `  created ${row.created} replayed ${row.replayed}`
    if (Object.keys(row.statuses).length > 0) line += ` statuses ${JSON.stringify(row.statuses)}`
  }
  if (row.server) {
    const s = row.server
    line += `\n${' '.repeat(25)}meterd: event loop ${fmt(s.eventLoopUtilization * 100)}% busy, ${s.commits} commits,`
      + ` ${fmt(s.jobs / Math.max(1, s.commits), 1)} ledger jobs/commit (max ${s.maxGroup}),`
      + ` COMMIT ${fmt(s.commitMs / Math.max(1, s.commits), 2)} ms avg / ${fmt(s.maxCommitMs, 1)} ms max`
  }
  if (row.errorSample) line += `\n${' '.repeat(25)}first error: ${row.errorSample}`
  return line
}

async function main(): Promise<number> {
  const workDir = mkdtempSync(join(tmpdir(), 'meterd-bench-'))
  try {
    return await bench(workDir)
  } finally {
    if (process.env.BENCH_KEEP) console.log(`data dir kept: ${workDir}`)
    else rmSync(workDir, { recursive: true, force: true })
  }
}

async function bench(workDir: string): Promise<number> {
  const dataDir = join(workDir, 'data') // fresh: meterd creates it
  const configFile = join(workDir, 'world.json')
  writeFileSync(configFile, JSON.stringify(benchWorld(SIZE)))
  // meterd fsyncs on every commit; pending writeback (the tsc output `npm run bench` just wrote)
  // would compete with those fsyncs and slow the first phases, so flush it now.
  try {
    execFileSync('sync')
  } catch {
    // no sync(1) on this platform: measure anyway
  }
  const profileDir = process.env.BENCH_PROFILE
  if (profileDir) mkdirSync(profileDir, { recursive: true })
  console.log(`meterd bench: ${SECONDS} s measured after ${WARMUP} s warm-up per phase, ${CONCURRENCY} requests in flight,`
    + ` ${SIZE.buyers} buyer keys, ${SIZE.customers} customers, ${cpus().length} CPUs, node ${process.version}`)
  console.log(`data dir ${dataDir} (SQLite WAL, synchronous=FULL), request quotas off${profileDir ? `, CPU profiles to ${profileDir}` : ''}`)
  // Three processes share the cores; anything else running skews every number.
  if (loadavg()[0]! > 0.5) console.log(`note: load average is ${fmt(loadavg()[0]!, 2)} before the bench starts; results will be noisy`)

  const echo = new Child('echo server', here('./echo-server.js'))
  const generator = new Child('load generator', here('./load-generator.js'))
  let meterd: Child | undefined
  const rows: Row[] = []
  let createdTotal = 0
  try {
    const t0 = performance.now()
    const [started, echoReady] = await Promise.all([startMeterd(configFile, dataDir), echo.next('ready'), generator.next('ready')])
    meterd = started.child
    console.log(`meterd listening on ${started.url} after ${fmt((performance.now() - t0) / 1000, 1)} s (world of ${SIZE.buyers + SIZE.customers * 2} entries)\n`)
    const urls: Record<Target, string> = { meterd: started.url, baseline: echoReady.url }

    const run = async (workload: Workload, target: Target, seconds: number) => {
      const phase: PhaseRequest = { type: 'run', workload, target, url: urls[target], seconds, concurrency: CONCURRENCY, size: SIZE }
      const { result } = await generator.ask<{ result: PhaseResult }>(phase, 'result')
      createdTotal += result.created // warm-up records are in the ledger too
      return result
    }
    const serverStats = async () => (await meterd!.ask<{ stats: ServerStats }>({ type: 'stats' }, 'stats')).stats

    for (const workload of WORKLOADS) {
      for (const target of ['baseline', 'meterd'] as const) {
        const warm = await run(workload, target, WARMUP)
        if (warm.errors > 0) console.log(`warm-up ${workload} ${target}: ${warm.errors} errors, first: ${warm.errorSample}`)
        const profile = target === 'meterd' && profileDir ? join(profileDir, `meterd-${workload}.cpuprofile`) : undefined
        if (profile) await meterd!.ask({ type: 'profile-start' }, 'profiling')
        if (target === 'meterd') await serverStats() // start the server's counters with the measured phase
        const row: Row = await run(workload, target, SECONDS)
        if (target === 'meterd') row.server = await serverStats()
        if (profile) await meterd!.ask({ type: 'profile-stop', file: profile }, 'profiled')
        row.errors += warm.errors
        row.errorSample ??= warm.errorSample
        rows.push(row)
        console.log(describe(row, target === 'meterd' ? rows.find((r) => r.workload === workload && r.target === 'baseline') : undefined))
        if (profile) console.log(`${' '.repeat(25)}CPU profile: ${profile}`)
      }
    }
  } finally {
    await generator.stop()
    await echo.stop()
    await meterd?.stop('SIGTERM') // as an operator would: meterd closes the ledger, then exits
  }

  // The ledger must hold exactly the records the generator saw created.
  const sqlite = new Database(join(dataDir, 'meterd.sqlite'), { readonly: true })
  const byOperation = sqlite.prepare('SELECT operation, count(*) AS n FROM usage_records GROUP BY operation').all() as { operation: string; n: number }[]
  sqlite.close()
  const ledgerRows = byOperation.reduce((sum, r) => sum + r.n, 0)
  const ledgerOk = ledgerRows === createdTotal
  console.log(`\nledger check: usage_records holds ${ledgerRows} rows (${byOperation.map((r) => `${r.operation} ${r.n}`).join(', ')}),`
    + ` generator saw ${createdTotal} created: ${ledgerOk ? 'OK' : 'MISMATCH'}`)

  // The table for the README, and the targets.
  const find = (workload: Workload, target: Target) => rows.find((r) => r.workload === workload && r.target === target)!
  const rps = (r: Row) => r.requests / r.seconds
  console.log(`\n| Workload | Server | req/s | records/s | p50 ms | p99 ms | errors | vs baseline |`)
  console.log(`|---|---|--:|--:|--:|--:|--:|--:|`)
  for (const row of rows) {
    const name = row.workload === 'BatchMeterUsage' ? 'BatchMeterUsage (25)' : row.workload
    const ratio = row.target === 'meterd' ? `${fmt(rps(row) / rps(find(row.workload, 'baseline')), 2)}x` : '1.00x'
    const server = row.target === 'meterd' ? 'meterd (SQLite, synchronous=FULL)' : 'node:http echo'
    console.log(`| ${name} | ${server} | ${fmt(rps(row))} | ${fmt(row.records / row.seconds)} | ${fmt(row.p50Ms, 1)} | ${fmt(row.p99Ms, 1)} | ${row.errors} | ${ratio} |`)
  }
  console.log()
  for (const workload of WORKLOADS) {
    const meterdRow = find(workload, 'meterd')
    const ratio = rps(meterdRow) / rps(find(workload, 'baseline'))
    const pass = ratio >= TARGETS[workload] && meterdRow.errors === 0
    // Truncated, not rounded, so a FAIL never prints as the target value itself.
    console.log(`${pass ? 'PASS' : 'FAIL'} ${workload}: meterd ${fmt(Math.floor(ratio * 100) / 100, 2)}x baseline req/s (target >= ${TARGETS[workload]}x)`
      + (meterdRow.errors > 0 ? `, but ${meterdRow.errors} errors` : ''))
  }

  const errors = rows.reduce((sum, r) => sum + r.errors, 0)
  if (errors > 0) console.log(`\n${errors} requests failed (see 'first error' above)`)
  return errors > 0 || !ledgerOk ? 1 : 0
}

process.exitCode = await main()
