import { type ChildProcess, execFileSync, fork, type ForkOptions } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import type { PhaseRequest, PhaseResult, ServerStats, Target, Workload } from './messages.js'
import { PG_URL, positiveEnv, schemaUrl } from './settings.js'
import { type BenchWorldSize, benchWorld } from './world.js'

/**
 * `npm run bench`: meterd vs a bare node:http echo server, under the same signed load.
 * Three child processes — meterd, the echo baseline, the load generator — so no two of them share
 * an event loop. Per meterd mode and workload: a warm-up of each, then BENCH_ROUNDS rounds of a
 * baseline phase followed by a meterd phase; the ratio reported is the median of the rounds' ratios.
 *
 * Env: BENCH_SECONDS (5, per phase), BENCH_ROUNDS (3), BENCH_WARMUP (2), BENCH_CONCURRENCY (48), BENCH_BUYERS (10000),
 * BENCH_CUSTOMERS (10000), BENCH_PROFILE=dir (CPU profile of meterd per measured phase, into dir;
 * read with `node dist/bench/profile-summary.js FILE`),
 * BENCH_ONLY=MeterUsage|BatchMeterUsage (one workload, e.g. to profile it), BENCH_KEEP=1 (keep the data dir),
 * BENCH_MODES=sqlite,postgres,postgres-2w,sqlite-2w (which meterd set-ups to measure, default
 * sqlite,postgres-2w; `-Nw` is `--workers N`), BENCH_PG (PostgreSQL URL, default
 * postgres://postgres@127.0.0.1:5432/test; each run gets a schema of its own, dropped afterwards).
 */
const SECONDS = positiveEnv('BENCH_SECONDS', 5)
const WARMUP = positiveEnv('BENCH_WARMUP', 2)
// Phases alternate baseline/meterd this many times: a VM's speed drifts, a pair side by side less so.
const ROUNDS = positiveEnv('BENCH_ROUNDS', 3)
const CONCURRENCY = positiveEnv('BENCH_CONCURRENCY', 48)
// Enough resources/customers that a run mostly opens new (slot, hour) records instead of replaying.
const SIZE: BenchWorldSize = { buyers: positiveEnv('BENCH_BUYERS', 10_000), customers: positiveEnv('BENCH_CUSTOMERS', 10_000) }
const TARGETS: Record<Workload, number> = { MeterUsage: 0.5, BatchMeterUsage: 0.3 }
const WORKLOADS = (['MeterUsage', 'BatchMeterUsage'] as const).filter((w) => !process.env.BENCH_ONLY || process.env.BENCH_ONLY === w)
/** Issue 6: BatchMeterUsage(25) on PostgreSQL with 2 workers, in records per second. */
const PG_2W_TARGET_RECORDS = 100_000

interface Mode {
  name: string
  store: 'sqlite' | 'postgres'
  workers: number
}
const MODES: Mode[] = (process.env.BENCH_MODES ?? 'sqlite,postgres-2w').split(',').map((name) => {
  const m = /^(sqlite|postgres)(?:-(\d+)w)?$/.exec(name.trim())
  if (!m) throw new Error(`BENCH_MODES: '${name}' is not sqlite|postgres, optionally with -Nw (workers)`)
  return { name: name.trim(), store: m[1] as Mode['store'], workers: Number(m[2] ?? 1) }
})
const describeMode = (m: Mode) =>
  `${m.store === 'sqlite' ? 'SQLite, synchronous=FULL' : 'PostgreSQL, synchronous_commit=on'}${m.workers > 1 ? `, ${m.workers} workers` : ''}`

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** A forked child that answers IPC messages; fails loudly if it dies mid-run. */
class Child {
  readonly process: ChildProcess
  readonly #exited: Promise<number | null>
  constructor(
    readonly name: string,
    file: string,
    args: string[] = [],
    options: ForkOptions = {},
  ) {
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
async function startMeterd(
  configFile: string,
  dataDir: string,
  storeArgs: string[],
  workers: number,
): Promise<{ child: Child; url: string }> {
  const execArgv = ['--import', pathToFileURL(here('./meterd-instrument.js')).href]
  const args = [
    'serve',
    '--config',
    configFile,
    '--data',
    dataDir,
    '--port',
    '0',
    '--no-quotas',
    '--workers',
    String(workers),
    ...storeArgs,
  ]
  const child = new Child('meterd', here('../../bin/meterd.js'), args, { execArgv, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
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
  /** meterd's rows: the mode measured. */
  mode?: Mode
  /** Baseline rows: the meterd mode whose round this baseline phase belongs to. */
  pairedWith?: Mode
  round: number
  server?: ServerStats
}

function describe(row: Row, baseline?: Row): string {
  const rps = row.requests / row.seconds
  const who = row.mode ? `meterd ${row.mode.name}` : 'baseline'
  let line =
    `${row.workload.padEnd(15)} ${who.padEnd(20)} ${fmt(rps).padStart(7)} req/s ${fmt(row.records / row.seconds).padStart(8)} rec/s` +
    `  p50 ${fmt(row.p50Ms, 2).padStart(6)} ms  p99 ${fmt(row.p99Ms, 2).padStart(6)} ms  errors ${row.errors}  conns ${row.connections}  client CPU ${fmt(row.clientCpu * 100)}%`
  if (baseline) line += `  = ${fmt(rps / (baseline.requests / baseline.seconds), 2)}x baseline`
  if (row.target === 'meterd') {
    line += `  created ${row.created} replayed ${row.replayed}`
    if (Object.keys(row.statuses).length > 0) line += ` statuses ${JSON.stringify(row.statuses)}`
  }
  if (row.server) {
    const s = row.server
    line += `\n${' '.repeat(25)}meterd:`
    if (s.eventLoopUtilization !== undefined) line += ` event loop ${fmt(s.eventLoopUtilization * 100)}% busy,`
    line += ` ${s.commits} commits, ${fmt(s.jobs / Math.max(1, s.commits), 1)} writes/commit`
  }
  if (row.errorSample) line += `\n${' '.repeat(25)}first error: ${row.errorSample}`
  return line
}

/** The group-commit histogram's count and sum from meterd's /metrics (one process's). */
async function commitCounters(url: string): Promise<{ commits: number; jobs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0)
  return { commits: value('meterd_ledger_commit_batch_size_count'), jobs: value('meterd_ledger_commit_batch_size_sum') }
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

async function pgQuery<T>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: PG_URL })
  await client.connect()
  try {
    return (await client.query(sql)).rows as T[]
  } finally {
    await client.end()
  }
}

/** A fresh store for one mode: a data folder of its own, and a schema of its own on PostgreSQL. */
async function freshStore(
  workDir: string,
  mode: Mode,
): Promise<{ dataDir: string; args: string[]; count(): Promise<{ operation: string; n: number }[]>; drop(): Promise<void> }> {
  const dataDir = join(workDir, `data-${mode.name}`) // fresh: meterd creates it
  if (mode.store === 'sqlite') {
    return {
      dataDir,
      args: [],
      async count() {
        const sqlite = new Database(join(dataDir, 'meterd.sqlite'), { readonly: true })
        try {
          return sqlite.prepare('SELECT operation, count(*) AS n FROM usage_records GROUP BY operation').all() as {
            operation: string
            n: number
          }[]
        } finally {
          sqlite.close()
        }
      },
      drop: async () => undefined,
    }
  }
  const schema = `meterd_bench_${process.pid}_${mode.name.replace(/\W/g, '_')}`
  await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  await pgQuery(`CREATE SCHEMA ${schema}`)
  const url = schemaUrl(schema)
  return {
    dataDir,
    args: ['--store', url],
    count: async () =>
      (
        await pgQuery<{ operation: string; n: string }>(`SELECT operation, count(*) AS n FROM ${schema}.usage_records GROUP BY operation`)
      ).map((r) => ({ operation: r.operation, n: Number(r.n) })),
    drop: async () => {
      if (!process.env.BENCH_KEEP) await pgQuery(`DROP SCHEMA ${schema} CASCADE`)
    },
  }
}

async function bench(workDir: string): Promise<number> {
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
  console.log(
    `meterd bench: ${ROUNDS} rounds of a baseline and a meterd phase of ${SECONDS} s each, after ${WARMUP} s warm-ups, ${CONCURRENCY} requests in flight,` +
      ` ${SIZE.buyers} buyer keys, ${SIZE.customers} customers, ${cpus().length} CPUs, node ${process.version}`,
  )
  console.log(
    `modes: ${MODES.map((m) => `${m.name} (${describeMode(m)})`).join('; ')}; request quotas off${profileDir ? `; CPU profiles to ${profileDir}` : ''}`,
  )
  // Three processes share the cores; anything else running skews every number.
  if (loadavg()[0]! > 0.5) console.log(`note: load average is ${fmt(loadavg()[0]!, 2)} before the bench starts; results will be noisy`)

  const echo = new Child('echo server', here('./echo-server.js'))
  const generator = new Child('load generator', here('./load-generator.js'))
  const rows: Row[] = []
  const ledgerChecks: boolean[] = []
  try {
    const [echoReady] = await Promise.all([echo.next('ready'), generator.next('ready')])
    const run = async (workload: Workload, target: Target, url: string, seconds: number) => {
      const phase: PhaseRequest = { type: 'run', workload, target, url, seconds, concurrency: CONCURRENCY, size: SIZE }
      return (await generator.ask<{ result: PhaseResult }>(phase, 'result')).result
    }

    for (const mode of MODES) {
      const store = await freshStore(workDir, mode)
      const t0 = performance.now()
      const { child: meterd, url } = await startMeterd(configFile, store.dataDir, store.args, mode.workers)
      console.log(`\nmeterd ${mode.name} (${describeMode(mode)}) listening on ${url} after ${fmt((performance.now() - t0) / 1000, 1)} s`)
      let createdTotal = 0
      try {
        const single = mode.workers === 1
        const serverStats = async (): Promise<ServerStats> => {
          const counters = await commitCounters(url)
          const elu = single
            ? (await meterd.ask<{ stats: { eventLoopUtilization: number } }>({ type: 'stats' }, 'stats')).stats.eventLoopUtilization
            : undefined
          return { ...counters, ...(elu === undefined ? {} : { eventLoopUtilization: elu }) }
        }
        for (const workload of WORKLOADS) {
          const warmBaseline = await run(workload, 'baseline', echoReady.url, WARMUP)
          const warm = await run(workload, 'meterd', url, WARMUP)
          createdTotal += warm.created // warm-up records are in the ledger too
          for (const w of [warmBaseline, warm])
            if (w.errors > 0) console.log(`warm-up ${workload} ${w.target}: ${w.errors} errors, first: ${w.errorSample}`)
          for (let round = 0; round < ROUNDS; round++) {
            const baseline: Row = { ...(await run(workload, 'baseline', echoReady.url, SECONDS)), pairedWith: mode, round }
            if (round === 0) {
              baseline.errors += warmBaseline.errors
              baseline.errorSample ??= warmBaseline.errorSample
            }
            rows.push(baseline)
            console.log(describe(baseline))
            const profile = single && profileDir && round === 0 ? join(profileDir, `meterd-${mode.name}-${workload}.cpuprofile`) : undefined
            if (profile) await meterd.ask({ type: 'profile-start' }, 'profiling')
            const before = await serverStats()
            const row: Row = { ...(await run(workload, 'meterd', url, SECONDS)), mode, round }
            const after = await serverStats()
            createdTotal += row.created
            // With several workers /metrics is one worker's: its counts are a part, not the whole.
            if (single) row.server = { ...after, commits: after.commits - before.commits, jobs: after.jobs - before.jobs }
            if (profile) await meterd.ask({ type: 'profile-stop', file: profile }, 'profiled')
            if (round === 0) {
              row.errors += warm.errors
              row.errorSample ??= warm.errorSample
            }
            rows.push(row)
            console.log(describe(row, baseline))
            if (profile) console.log(`${' '.repeat(25)}CPU profile: ${profile}`)
          }
        }
      } finally {
        await meterd.stop('SIGTERM') // as an operator would: meterd closes the ledger, then exits
      }
      // The ledger must hold exactly the records the generator saw created.
      const byOperation = await store.count()
      await store.drop()
      const ledgerRows = byOperation.reduce((sum, r) => sum + r.n, 0)
      ledgerChecks.push(ledgerRows === createdTotal)
      console.log(
        `ledger check (${mode.name}): usage_records holds ${ledgerRows} rows (${byOperation.map((r) => `${r.operation} ${r.n}`).join(', ')}),` +
          ` generator saw ${createdTotal} created: ${ledgerRows === createdTotal ? 'OK' : 'MISMATCH'}`,
      )
    }
  } finally {
    await generator.stop()
    await echo.stop()
  }

  // The table for the README, and the targets: per mode and workload, the rounds taken together.
  const rps = (r: Row) => r.requests / r.seconds
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b)
    const mid = Math.floor(sorted.length / 2)
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  }
  const total = (rs: Row[], f: (r: Row) => number) => rs.reduce((sum, r) => sum + f(r), 0)
  console.log(
    `\n| Workload | meterd | req/s | records/s | p50 ms | p99 ms | errors | baseline req/s | vs baseline (median, range of ${ROUNDS} rounds) |`,
  )
  console.log(`|---|---|--:|--:|--:|--:|--:|--:|--:|`)
  const verdicts: string[] = []
  for (const mode of MODES) {
    for (const workload of WORKLOADS) {
      const measured = rows.filter((r) => r.mode === mode && r.workload === workload)
      const baselines = rows.filter((r) => r.pairedWith === mode && r.workload === workload)
      if (measured.length === 0) continue
      const ratios = measured.map((r) => rps(r) / rps(baselines.find((b) => b.round === r.round)!))
      const ratio = median(ratios)
      const seconds = total(measured, (r) => r.seconds)
      const perSecond = total(measured, (r) => r.records) / seconds
      const errors = total(measured, (r) => r.errors)
      const name = workload === 'BatchMeterUsage' ? 'BatchMeterUsage (25)' : workload
      console.log(
        `| ${name} | ${describeMode(mode)} | ${fmt(total(measured, (r) => r.requests) / seconds)} | ${fmt(perSecond)}` +
          ` | ${fmt(median(measured.map((r) => r.p50Ms)), 1)} | ${fmt(median(measured.map((r) => r.p99Ms)), 1)} | ${errors}` +
          ` | ${fmt(total(baselines, (r) => r.requests) / total(baselines, (r) => r.seconds))}` +
          ` | ${fmt(ratio, 2)}x (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}) |`,
      )
      // Truncated, not rounded, so a FAIL never prints as the target value itself.
      const shown = fmt(Math.floor(ratio * 100) / 100, 2)
      const errorNote = errors > 0 ? `, but ${errors} errors` : ''
      if (mode.name === 'sqlite') {
        const pass = ratio >= TARGETS[workload] && errors === 0
        verdicts.push(
          `${pass ? 'PASS' : 'FAIL'} ${workload} (sqlite): meterd ${shown}x baseline req/s, median of ${ROUNDS} rounds (target >= ${TARGETS[workload]}x)${errorNote}`,
        )
      }
      if (mode.store === 'postgres' && mode.workers === 2 && workload === 'BatchMeterUsage') {
        const pass = perSecond >= PG_2W_TARGET_RECORDS && errors === 0
        const baselineRecords = total(baselines, (r) => r.records) / total(baselines, (r) => r.seconds)
        verdicts.push(
          `${pass ? 'PASS' : 'FAIL'} BatchMeterUsage (postgres, 2 workers): ${fmt(perSecond)} records/s (target >= ${fmt(PG_2W_TARGET_RECORDS)});` +
            ` the baseline echo answered ${fmt(baselineRecords)} records/s under the same load generator${errorNote}`,
        )
      }
    }
  }
  console.log(`\n${verdicts.join('\n')}`)

  const errors = rows.reduce((sum, r) => sum + r.errors, 0)
  if (errors > 0) console.log(`\n${errors} requests failed (see 'first error' above)`)
  return errors > 0 || ledgerChecks.includes(false) ? 1 : 0
}

process.exitCode = await main()
