import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge'
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import type { Delivery } from '../domain/delivery.js'
import type { AwsCredentials, NotificationTarget } from '../domain/world.js'
import type { MarketplaceEvent } from './eventbridge-events.js'

/** How one try went: delivered, or why not and whether trying again may help. */
export interface SendResult {
  ok: boolean
  statusCode?: number
  error?: string
  /** false for answers a retry cannot change (an HTTP 4xx other than 429, as SNS and EventBridge treat them). */
  retryable: boolean
}

export interface Senders {
  send(target: NotificationTarget, delivery: Delivery): Promise<SendResult>
  close(): void
}

/** Sends deliveries to their targets: HTTP POSTs, SQS SendMessage, EventBridge PutEvents. */
export function createSenders(options: { timeoutMs: number }): Senders {
  const sqsClients = new Map<string, SQSClient>()
  const eventBridgeClients = new Map<string, EventBridgeClient>()
  const clientOptions = (t: { endpoint?: string; region: string; credentials?: AwsCredentials }) => ({
    region: t.region,
    ...(t.endpoint ? { endpoint: t.endpoint } : {}),
    // A copy: the SDK marks the object it is given (with $source), and this one belongs to the world.
    ...(t.credentials ? { credentials: { ...t.credentials } } : {}),
    // meterd retries by the target's delivery policy, and records each try.
    maxAttempts: 1,
    requestHandler: { requestTimeout: options.timeoutMs, connectionTimeout: options.timeoutMs },
  })
  const cached = <C>(cache: Map<string, C>, t: { endpoint?: string; region: string; credentials?: AwsCredentials }, make: () => C) => {
    const key = JSON.stringify([t.endpoint, t.region, t.credentials])
    let client = cache.get(key)
    if (!client) cache.set(key, (client = make()))
    return client
  }

  const post = async (url: string, headers: Record<string, string>, body: string): Promise<SendResult> => {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(options.timeoutMs),
      })
      await response.body?.cancel()
      const statusCode = response.status
      if (statusCode >= 200 && statusCode < 300) return { ok: true, statusCode, retryable: false }
      return { ok: false, statusCode, error: `HTTP ${statusCode}`, retryable: statusCode === 429 || statusCode >= 500 }
    } catch (error) {
      return { ok: false, error: networkError(error), retryable: true }
    }
  }

  const aws = async (call: () => Promise<void>): Promise<SendResult> => {
    try {
      await call()
      return { ok: true, statusCode: 200, retryable: false }
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }
      const statusCode = e.$metadata?.httpStatusCode
      return {
        ok: false,
        ...(statusCode ? { statusCode } : {}),
        error: `${e.name ?? 'Error'}: ${e.message ?? String(error)}`,
        retryable: true,
      }
    }
  }

  return {
    send(target, delivery) {
      switch (target.type) {
        case 'sns-http':
          return post(target.url, delivery.headers, delivery.body)
        case 'webhook':
          return post(
            target.url,
            { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'Amazon/EventBridge/ApiDestinations', ...target.headers },
            delivery.body,
          )
        case 'sns-sqs': {
          const client = cached(sqsClients, target, () => new SQSClient(clientOptions(target)))
          return aws(async () => {
            await client.send(new SendMessageCommand({ QueueUrl: target.queueUrl, MessageBody: delivery.body }))
          })
        }
        case 'eventbridge': {
          const client = cached(eventBridgeClients, target, () => new EventBridgeClient(clientOptions(target)))
          const event = JSON.parse(delivery.body) as MarketplaceEvent
          return aws(async () => {
            const answer = await client.send(
              new PutEventsCommand({
                Entries: [
                  {
                    EventBusName: target.eventBusName,
                    Source: event.source,
                    DetailType: event['detail-type'],
                    Detail: JSON.stringify(event.detail),
                    Resources: event.resources,
                    Time: new Date(event.time),
                  },
                ],
              }),
            )
            const failed = answer.Entries?.find((e) => e.ErrorCode)
            if (answer.FailedEntryCount || failed)
              throw Object.assign(new Error(failed?.ErrorMessage ?? 'the entry was not put'), {
                name: failed?.ErrorCode ?? 'PutEventsFailed',
              })
          })
        }
      }
    },
    close() {
      for (const client of [...sqsClients.values(), ...eventBridgeClients.values()]) client.destroy()
    },
  }
}

function networkError(error: unknown): string {
  const e = error as Error & { cause?: { code?: string; message?: string } }
  if (e.name === 'TimeoutError') return 'timed out'
  return e.cause?.code ? `${e.cause.code}: ${e.cause.message ?? e.message}` : e.message
}
