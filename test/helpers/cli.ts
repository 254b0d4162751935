import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

export const MeterdBin = fileURLToPath(new URL('../../../bin/meterd.js', import.meta.url))

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `meterd ...args` to completion. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [MeterdBin, ...args], { env: { ...process.env, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d) => (stdout += d))
  child.stderr.on('data', (d) => (stderr += d))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}

// A test that fails before stopping its server must not leave it running (nor hang the run).
const servers = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of servers) child.kill('SIGKILL')
})

/** Starts `meterd serve ...args` and resolves with its URL once it prints the banner. */
export async function serveCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [MeterdBin, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env } })
  servers.add(child)
  child.once('exit', () => servers.delete(child))
  let output = ''
  child.stderr.on('data', (d) => (output += d))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      output += d
      const m = /meterd listening on (http:\/\/\S+)/.exec(output)
      if (m) resolve(m[1]!)
    })
    child.once('exit', (code) => reject(new Error(`meterd exited with ${code}: ${output}`)))
  })
  return { child, url, output: () => output }
}
