/**
 * A typed client of meterd's admin API, for the CLI and for sellers' test suites.
 *
 * @example
 *   const admin = new AdminClient({ url: 'http://127.0.0.1:6387', token })
 *   const { registrationToken } = await admin.subscribe({ productCode: 'demo-saas', accountId: '333333333333' })
 */
export class AdminClient {
  readonly #url: string
  readonly #token: string

  constructor(options: { url: string; token: string }) {
    this.#url = options.url.replace(/\/+$/, '')
    this.#token = options.token
  }

  subscribe(body: { productCode: string; accountId: string; freeTrial?: boolean; deliver?: boolean }) {
    return this.request<SubscribeResponse>('POST', '/subscriptions', body)
  }

  unsubscribe(body: { productCode: string; accountId: string }) {
    return this.request<{ productCode: string; accountId: string; endedLicenses: { licenseArn: string; end: string }[] }>('POST', '/unsubscribe', body)
  }

  listKeys() {
    return this.request<{ keys: KeyView[] }>('GET', '/keys')
  }

  rotateKeys() {
    return this.request<{ keys: KeyView[] }>('POST', '/keys/rotate')
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response
    try {
      response = await fetch(`${this.#url}/admin${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    } catch (error) {
      throw new AdminRequestError(0, 'Unreachable', `cannot reach meterd at ${this.#url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`)
    }
    const text = await response.text()
    const json = text ? JSON.parse(text) : undefined
    if (!response.ok) throw new AdminRequestError(response.status, json?.error ?? 'Error', json?.message ?? text)
    return json as T
  }
}

export class AdminRequestError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message)
  }
}

export interface KeyView {
  version: number
  createdAt: string
  expiresAt: string | null
  publicKeyPem: string
}

export interface SubscribeResponse {
  productCode: string
  accountId: string
  customerIdentifier: string
  licenseArn: string
  createdCustomer: boolean
  createdLicense: boolean
  offerType: 'free-trial' | null
  registrationToken: string
  tokenExpiresAt: string
  fulfillment: { url: string; status?: number; location?: string; error?: string } | null
}
