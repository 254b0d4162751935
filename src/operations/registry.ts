import { batchMeterUsage } from './batch-meter-usage.js'
import { meterUsage } from './meter-usage.js'
import type { Operation } from './operation.js'

/** X-Amz-Target `AWSMPMeteringService.<name>` → operation. A new operation is one file and one line. */
export const OPERATIONS: Readonly<Record<string, Operation<any>>> = {
  BatchMeterUsage: batchMeterUsage,
  MeterUsage: meterUsage,
}

export const TARGET_PREFIX = 'AWSMPMeteringService'
