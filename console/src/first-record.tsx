import { useMemo } from 'preact/hooks'
import { clientSetup } from './client-setup.js'
import { useConsole } from './console-context.js'
import { useLoad } from './hooks.js'
import { CodeBlock } from './ui.js'

/**
 * The AWS CLI command that would meter a first record, with this world's keys, product, customer
 * and dimension, against the AWS endpoint (which is not the console's origin with --admin-port).
 */
export function FirstRecordCommand() {
  const { admin } = useConsole()
  const endpoint = useLoad(() => admin.overview({ minutes: 1, recent: 0 }), [])
  const world = useLoad(() => admin.exportWorld(), [])
  const setup = useMemo(
    () => (endpoint.data && world.data ? clientSetup(endpoint.data.endpoint, world.data) : undefined),
    [endpoint.data, world.data],
  )
  if (!setup) return null
  return <CodeBlock code={setup.awsCli} label="First record with the AWS CLI" />
}
