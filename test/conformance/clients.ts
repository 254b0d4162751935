import { execFile } from 'node:child_process'
import { accessSync, constants, readFileSync, realpathSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClientId, ClientInfo, ModelInfo } from './cases.js'

/** Finds the real clients on this machine: their versions, their service models, how to start them. */

/** test/conformance in the source tree (the .py files are not compiled into dist/). */
export const SOURCE_DIR = fileURLToPath(new URL('../../../test/conformance/', import.meta.url))
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))

export interface Detected {
  info: ClientInfo
  /**
   * CLIs: the program and leading arguments, and the Python interpreter that runs it (the suite
   * drives the CLI's own entry point in that interpreter); boto3: the Python interpreter.
   */
  command?: { file: string; args: string[]; interpreter?: string }
}

export interface ProcessResult {
  exitCode: number
  stdout: string
  stderr: string
}

export function runProcess(
  file: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: options.env ?? process.env, timeout: options.timeoutMs ?? 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0
        resolve({ exitCode: code, stdout: String(stdout), stderr: error && code === -1 ? `${stderr}${error.message}` : String(stderr) })
      },
    )
  })
}

/**
 * The latest model (botocore 1.43.52 / the JS SDK's Smithy model): the JS SDK and
 * plain fetch clients are checked against it. Only what the cases look at is listed.
 */
export const LATEST_MODEL: ModelInfo = {
  version: 'latest (botocore 1.43.52)',
  errors: {
    BatchMeterUsage: [
      'InternalServiceErrorException',
      'InvalidProductCodeException',
      'InvalidUsageDimensionException',
      'InvalidTagException',
      'InvalidUsageAllocationsException',
      'InvalidCustomerIdentifierException',
      'TimestampOutOfBoundsException',
      'ThrottlingException',
      'DisabledApiException',
      'InvalidLicenseException',
    ],
    MeterUsage: [
      'InternalServiceErrorException',
      'InvalidProductCodeException',
      'InvalidUsageDimensionException',
      'InvalidTagException',
      'InvalidUsageAllocationsException',
      'InvalidEndpointRegionException',
      'TimestampOutOfBoundsException',
      'DuplicateRequestException',
      'IdempotencyConflictException',
      'ThrottlingException',
      'CustomerNotEntitledException',
    ],
    RegisterUsage: [
      'InvalidProductCodeException',
      'InvalidRegionException',
      'InvalidPublicKeyVersionException',
      'PlatformNotSupportedException',
      'CustomerNotEntitledException',
      'ThrottlingException',
      'InternalServiceErrorException',
      'DisabledApiException',
    ],
    ResolveCustomer: [
      'InvalidTokenException',
      'ExpiredTokenException',
      'ThrottlingException',
      'InternalServiceErrorException',
      'DisabledApiException',
    ],
    GetEntitlements: ['InvalidParameterException', 'ThrottlingException', 'InternalServiceErrorException'],
  },
  shapes: {
    BatchMeterUsageRequest: { members: ['UsageRecords', 'ProductCode'], required: ['UsageRecords'] },
    UsageRecord: {
      members: ['Timestamp', 'CustomerIdentifier', 'Dimension', 'Quantity', 'UsageAllocations', 'CustomerAWSAccountId', 'LicenseArn'],
      required: ['Timestamp', 'Dimension'],
    },
    MeterUsageRequest: {
      members: ['ProductCode', 'Timestamp', 'UsageDimension', 'UsageQuantity', 'DryRun', 'UsageAllocations', 'ClientToken'],
      required: ['ProductCode', 'Timestamp', 'UsageDimension'],
    },
    RegisterUsageRequest: { members: ['ProductCode', 'PublicKeyVersion', 'Nonce'], required: ['ProductCode', 'PublicKeyVersion'] },
    ResolveCustomerResult: { members: ['CustomerIdentifier', 'ProductCode', 'CustomerAWSAccountId', 'LicenseArn'], required: [] },
    Entitlement: {
      members: ['ProductCode', 'Dimension', 'CustomerIdentifier', 'CustomerAWSAccountId', 'Value', 'ExpirationDate', 'LicenseArn'],
      required: [],
    },
  },
}

const versionAtLeast = (version: string, min: [number, number]) => {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  return major > min[0] || (major === min[0] && minor >= min[1])
}

async function pythonModel(python: string, pkg: string): Promise<ModelInfo | string> {
  const result = await runProcess(python, [join(SOURCE_DIR, 'model_info.py'), pkg])
  if (result.exitCode !== 0) return `${python} model_info.py ${pkg} failed: ${result.stderr.trim().split('\n').at(-1)}`
  const model = JSON.parse(result.stdout) as ModelInfo
  return { ...model, version: pkg === 'botocore' ? `botocore ${model.version} data` : `data vendored in awscli ${model.version}` }
}

/** `python3` as found on PATH, resolved to the interpreter itself (a pyenv shim costs ~0.3 s a call). */
async function findPython(): Promise<string | undefined> {
  const result = await runProcess('python3', ['-c', 'import sys; print(sys.executable)'])
  return result.exitCode === 0 ? result.stdout.trim() : undefined
}

/** `aws` programs on PATH other than Debian's /usr/bin/aws (and its /bin alias). */
function otherAwsOnPath(): string[] {
  let debianAws: string | undefined
  try {
    debianAws = realpathSync('/usr/bin/aws')
  } catch {
    /* not installed */
  }
  const found: string[] = []
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const file = join(dir, 'aws')
    try {
      accessSync(file, constants.X_OK)
    } catch {
      continue
    }
    if (realpathSync(file) !== debianAws && !found.includes(file)) found.push(file)
  }
  return found
}

const unavailable = (id: ClientId, label: string, missing: string, extra: Partial<ClientInfo> = {}): Detected => ({
  info: {
    id,
    family: id === 'js' ? 'js' : id === 'openapi' ? 'openapi' : id.startsWith('cli') ? 'cli' : 'boto3',
    label,
    version: 'not found',
    missing,
    model: LATEST_MODEL,
    retry: { mode: 'standard', maxAttempts: 3 },
    envEndpoint: { supported: false, note: '' },
    timestampForm: 'json',
    ...extra,
  },
})

export async function detectClients(): Promise<Record<ClientId, Detected>> {
  const python = await findPython()
  const [js, boto3, cliV1, cliV2] = await Promise.all([detectJs(), detectBoto3(python), detectCliV1(python), detectCliV2()])
  const boto3Standard: Detected = {
    ...boto3,
    info: {
      ...boto3.info,
      id: 'boto3-standard',
      label: 'boto3, AWS_RETRY_MODE=standard',
      retry: { mode: 'standard', maxAttempts: 3 },
    },
  }
  const openapi: Detected = {
    info: {
      id: 'openapi',
      family: 'openapi',
      label: 'OpenAPI-style client (plain fetch, no SigV4)',
      version: `Node ${process.version} fetch`,
      model: LATEST_MODEL,
      retry: { mode: 'standard', maxAttempts: 1 },
      envEndpoint: { supported: false, note: 'not applicable' },
      timestampForm: 'json',
    },
  }
  const boto3Cbor: Detected = boto3.info.missing
    ? { ...boto3, info: { ...boto3.info, id: 'boto3-cbor', label: BOTO3_CBOR_LABEL } }
    : await detectBoto3Cbor(boto3)
  return { js, boto3, 'boto3-standard': boto3Standard, 'boto3-cbor': boto3Cbor, 'cli-v1': cliV1, 'cli-v2': cliV2, openapi }
}

const BOTO3_CBOR_LABEL = 'boto3 over Smithy RPC v2 CBOR (Entitlement Service)'

/**
 * botocore speaks Smithy RPC v2 CBOR, but picks JSON for the Entitlement Service while its model
 * lists both. Given a copy of its own model that lists CBOR only, the same boto3 is a real,
 * independent CBOR client (the Go SDK v2's wire format).
 */
async function detectBoto3Cbor(boto3: Detected): Promise<Detected> {
  const python = boto3.command!.file
  const probe = await runProcess(python, [
    '-c',
    "from botocore.utils import PRIORITY_ORDERED_SUPPORTED_PROTOCOLS as p; print('smithy-rpc-v2-cbor' in p)",
  ])
  const info = {
    ...boto3.info,
    id: 'boto3-cbor' as const,
    label: BOTO3_CBOR_LABEL,
    version: `${boto3.info.version} (protocol smithy-rpc-v2-cbor)`,
  }
  if (probe.stdout.trim() !== 'True') return { info: { ...info, missing: `${python}'s botocore has no Smithy RPC v2 CBOR support` } }
  return { info, command: boto3.command! }
}

async function detectJs(): Promise<Detected> {
  const label = 'AWS SDK for JavaScript v3'
  try {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@aws-sdk/client-marketplace-metering/package.json'), 'utf8')) as {
      version: string
    }
    return {
      info: {
        id: 'js',
        family: 'js',
        label,
        version: `@aws-sdk/client-marketplace-metering ${pkg.version}`,
        model: LATEST_MODEL,
        retry: { mode: 'standard', maxAttempts: 3 },
        envEndpoint: { supported: true, note: 'read by the SDK (service-specific endpoint configuration)' },
        timestampForm: 'Date',
      },
    }
  } catch (error) {
    return unavailable('js', label, `@aws-sdk/client-marketplace-metering is not installed (${(error as Error).message})`)
  }
}

async function detectBoto3(python: string | undefined): Promise<Detected> {
  const label = 'boto3 (default retry mode: legacy)'
  if (!python) return unavailable('boto3', label, 'no python3 on PATH')
  const probe = await runProcess(python, ['-c', 'import boto3, botocore; print(boto3.__version__, botocore.__version__)'])
  if (probe.exitCode !== 0) return unavailable('boto3', label, `${python} cannot import boto3`)
  const [boto3Version, botocoreVersion] = probe.stdout.trim().split(' ') as [string, string]
  const model = await pythonModel(python, 'botocore')
  if (typeof model === 'string') return unavailable('boto3', label, model)
  return {
    info: {
      id: 'boto3',
      family: 'boto3',
      label,
      version: `boto3 ${boto3Version}, botocore ${botocoreVersion}`,
      model,
      retry: { mode: 'legacy', maxAttempts: 5 },
      envEndpoint: versionAtLeast(botocoreVersion, [1, 31])
        ? { supported: true, note: 'botocore ≥ 1.31 reads it' }
        : { supported: false, note: 'botocore < 1.31 does not read service-specific endpoint variables' },
      timestampForm: 'datetime',
    },
    command: { file: python, args: [] },
  }
}

async function detectCliV1(python: string | undefined): Promise<Detected> {
  const label = 'AWS CLI v1'
  const candidates: { file: string; args: string[] }[] = []
  if (python) candidates.push({ file: python, args: ['-m', 'awscli'] })
  for (const file of otherAwsOnPath()) candidates.push({ file, args: [] })
  for (const command of candidates) {
    const result = await runProcess(command.file, [...command.args, '--version'])
    const version = /aws-cli\/(1\.[\d.]+)/.exec(`${result.stdout} ${result.stderr}`)?.[1]
    if (result.exitCode !== 0 || !version) continue
    // Its botocore: the one of the interpreter that runs it (python -m awscli), else the boto3 one.
    const interpreter = command.file === python ? python : shebangInterpreter(command.file)
    const model = await pythonModel(interpreter, 'botocore')
    if (typeof model === 'string') return unavailable('cli-v1', label, model)
    return {
      info: {
        id: 'cli-v1',
        family: 'cli',
        label,
        version: `aws-cli ${version}`,
        model,
        retry: { mode: 'legacy', maxAttempts: 5 },
        envEndpoint: versionAtLeast(version, [1, 29])
          ? { supported: true, note: 'AWS CLI ≥ 1.29 reads it' }
          : { supported: false, note: 'needs AWS CLI ≥ 1.29' },
        timestampForm: 'epoch',
        exit: { serviceError: 255, clientSide: 255 },
      },
      command: { ...command, interpreter },
    }
  }
  return unavailable(
    'cli-v1',
    label,
    `no AWS CLI v1: tried ${candidates.map((c) => [c.file, ...c.args].join(' ')).join(', ') || 'nothing'}`,
  )
}

async function detectCliV2(): Promise<Detected> {
  const label = "AWS CLI v2 (Debian's awscli package)"
  const file = '/usr/bin/aws'
  const result = await runProcess(file, ['--version'])
  const version = /aws-cli\/(2\.[\d.]+)/.exec(`${result.stdout} ${result.stderr}`)?.[1]
  if (result.exitCode !== 0 || !version)
    return unavailable('cli-v2', label, `${file} is missing or not AWS CLI v2 (apt-get install awscli)`)
  // Debian's CLI v2 vendors botocore as awscli.botocore; read its model with the CLI's own interpreter.
  const interpreter = shebangInterpreter(file)
  const model = await pythonModel(interpreter, 'awscli.botocore')
  if (typeof model === 'string') return unavailable('cli-v2', label, model)
  return {
    info: {
      id: 'cli-v2',
      family: 'cli',
      label,
      version: `aws-cli ${version}`,
      model,
      retry: { mode: 'standard', maxAttempts: 3 },
      envEndpoint: versionAtLeast(version, [2, 13])
        ? { supported: true, note: 'AWS CLI ≥ 2.13 reads it' }
        : { supported: false, note: `service-specific endpoint variables arrived in AWS CLI 2.13; ${version} ignores them` },
      timestampForm: 'iso',
      exit: { serviceError: 254, clientSide: 252 },
    },
    command: { file, args: [], interpreter },
  }
}

/** The interpreter a script's #! line names. */
const shebangInterpreter = (file: string): string =>
  readFileSync(file, 'utf8')
    .split('\n')[0]!
    .replace(/^#!\s*/, '')
    .split(/\s+/)[0]!
