import { batchMeterUsage } from './batch-meter-usage.js'
import { meterUsage } from './meter-usage.js'
import type { Operation } from './operation.js'
import { registerUsage } from './register-usage.js'
import { resolveCustomer } from './resolve-customer.js'

/** X-Amz-Target `AWSMPMeteringService.<name>` → operation. A new operation is one file and one line. */
export const OPERATIONS: Readonly<Record<string, Operation<any>>> = {
  BatchMeterUsage: batchMeterUsage,
  MeterUsage: meterUsage,
  RegisterUsage: registerUsage,
  ResolveCustomer: resolveCustomer,
}

export const TARGET_PREFIX = 'AWSMPMeteringService'
