import type Database from 'better-sqlite3'

interface Job {
  work: () => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
}

/**
 * Runs the ledger's work in shared transactions: every job submitted while one commit is being
 * made joins the next, so N concurrent requests pay one fsync instead of N. Each job runs in its
 * own savepoint, so one failing job rolls back alone; nobody's promise settles before COMMIT
 * returns, so nothing is acknowledged before it is durable.
 */
export class GroupCommit {
  readonly #db: Database.Database
  #queue: Job[] = []
  #running: Promise<void> | undefined

  readonly #onCommit: ((jobs: number) => void) | undefined

  constructor(db: Database.Database, onCommit?: (jobs: number) => void) {
    this.#db = db
    this.#onCommit = onCommit
  }

  submit<T>(work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject })
      this.#running ??= this.#loop()
    })
  }

  /** Resolves once every submitted job has settled. */
  async drain(): Promise<void> {
    while (this.#running) await this.#running
  }

  async #loop(): Promise<void> {
    // Let the requests already read from the sockets join the first group.
    await new Promise((resolve) => setImmediate(resolve))
    while (this.#queue.length > 0) {
      const jobs = this.#queue
      this.#queue = []
      await this.#commit(jobs)
    }
    this.#running = undefined
  }

  async #commit(jobs: Job[]): Promise<void> {
    const db = this.#db
    const settled: { job: Job; ok: boolean; value: unknown }[] = []
    try {
      db.exec('BEGIN IMMEDIATE')
    } catch (error) {
      for (const job of jobs) job.reject(error)
      return
    }
    for (const job of jobs) {
      db.exec('SAVEPOINT job')
      try {
        const value = await job.work()
        db.exec('RELEASE job')
        settled.push({ job, ok: true, value })
      } catch (error) {
        db.exec('ROLLBACK TO job')
        db.exec('RELEASE job')
        settled.push({ job, ok: false, value: error })
      }
    }
    try {
      db.exec('COMMIT')
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK')
      for (const job of jobs) job.reject(error)
      return
    }
    this.#onCommit?.(jobs.length)
    for (const { job, ok, value } of settled) (ok ? job.resolve : job.reject)(value)
  }
}
