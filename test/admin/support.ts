import assert from 'node:assert/strict'
import { AdminClient, AdminRequestError } from '../../src/admin/admin-client.js'
import type { TestMeterd } from '../helpers/meterd.js'

/** The package's admin client, pointed at a test server. */
export const adminOf = (meterd: TestMeterd): AdminClient =>
  new AdminClient({ url: meterd.server.adminUrl, token: meterd.server.adminToken })

/** Runs `fn`, which must fail with an admin API error, and returns that error. */
export async function adminErrorOf(fn: () => Promise<unknown>): Promise<AdminRequestError> {
  try {
    await fn()
  } catch (error) {
    if (error instanceof AdminRequestError) return error
    throw error
  }
  throw new Error('expected an admin API error, got success')
}

/** Asserts an admin API error's status, code and message (a string is matched exactly). */
export async function assertAdminError(fn: () => Promise<unknown>, status: number, code: string, message: string | RegExp): Promise<void> {
  const error = await adminErrorOf(fn)
  assert.equal(error.status, status, error.message)
  assert.equal(error.code, code, error.message)
  if (typeof message === 'string') assert.equal(error.message, message)
  else assert.match(error.message, message)
}

/**
 * Audit events are written just after the answer has gone out: polls `read` (every 20 ms, for
 * at most 3 s) until `done` holds, and returns the last value read.
 */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 3000
  for (;;) {
    const value = await read()
    if (done(value) || Date.now() > deadline) return value
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Reads a streamed export completely as text. */
export async function textOf(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = ''
  const decoder = new TextDecoder()
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true })
  return text + decoder.decode()
}

/** Counts the lines of a streamed export without keeping it. */
export async function lineCountOf(
  stream: ReadableStream<Uint8Array>,
): Promise<{ lines: number; chunks: number; lastByte: number | undefined }> {
  let lines = 0
  let chunks = 0
  let lastByte: number | undefined
  for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
    chunks++
    for (const byte of chunk) if (byte === 10) lines++
    if (chunk.length > 0) lastByte = chunk[chunk.length - 1]
  }
  return { lines, chunks, lastByte }
}

export const seconds = (ms: number): number => Math.floor(ms / 1000)
export const iso = (ms: number): string => new Date(ms).toISOString()

/** The request id the SDK read from x-amzn-RequestId, on an answer or on an error. */
export const requestIdOf = (answerOrError: unknown): string => (answerOrError as { $metadata: { requestId: string } }).$metadata.requestId
