/** Saves a Blob through the browser's download (an object URL on a temporary link). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = filename
  link.hidden = true
  document.body.append(link)
  link.click()
  link.remove()
  // The download has taken the URL by the next task; keep it a little longer for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/**
 * Reads a streamed export chunk by chunk, reporting progress (bytes and lines so far), and returns
 * it as a Blob. The admin API streams the export page by page; the bearer token it needs cannot
 * ride on a plain link, so the console fetches it and hands the result to the browser.
 */
export async function readStream(
  stream: ReadableStream<Uint8Array>,
  type: string,
  onProgress: (progress: { bytes: number; lines: number }) => void,
): Promise<Blob> {
  const chunks: Uint8Array[] = []
  let bytes = 0
  let lines = 0
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    bytes += value.length
    for (const byte of value) if (byte === 10) lines++
    onProgress({ bytes, lines })
  }
  return new Blob(chunks as BlobPart[], { type })
}
