import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { type Dispatcher, SnsApiError } from '../notifications/dispatcher.js'

const NAMESPACE = 'http://sns.amazonaws.com/doc/2010-03-31/'
const xmlEscape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!)

/**
 * The part of the SNS API a subscribed endpoint talks to, at /sns/: the SubscribeURL and
 * UnsubscribeURL of meterd's messages (GET), the same two actions as SNS API calls (POST,
 * form-encoded, so an SNS client pointed at /sns/ can confirm), and the signing certificate.
 */
export async function snsEndpoint(app: FastifyInstance, options: { dispatcher: Dispatcher }): Promise<void> {
  const { dispatcher } = options
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  )

  app.get<{ Params: { file: string } }>('/sns/:file', async (request, reply) => {
    if (request.params.file !== dispatcher.certificate.fileName) return reply.code(404).type('text/plain').send('Not Found')
    return reply.type('application/x-pem-file').header('cache-control', 'public, max-age=86400').send(dispatcher.certificate.certificatePem)
  })

  const answer = async (parameters: Record<string, string | undefined>, reply: FastifyReply) => {
    const requestId = randomUUID()
    const required = (name: string) => {
      const value = parameters[name]
      if (!value)
        throw new ValidationError(
          `1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
        )
      return value
    }
    try {
      switch (parameters.Action) {
        case 'ConfirmSubscription': {
          const state = await dispatcher.confirmSubscription(required('TopicArn'), required('Token'))
          return xml(
            reply,
            200,
            `<ConfirmSubscriptionResponse xmlns="${NAMESPACE}">
  <ConfirmSubscriptionResult>
    <SubscriptionArn>${xmlEscape(state.subscriptionArn)}</SubscriptionArn>
  </ConfirmSubscriptionResult>
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</ConfirmSubscriptionResponse>`,
          )
        }
        case 'Unsubscribe': {
          await dispatcher.unsubscribe(required('SubscriptionArn'))
          return xml(
            reply,
            200,
            `<UnsubscribeResponse xmlns="${NAMESPACE}">
  <ResponseMetadata>
    <RequestId>${requestId}</RequestId>
  </ResponseMetadata>
</UnsubscribeResponse>`,
          )
        }
        default:
          throw new SnsApiError(
            'InvalidParameter',
            parameters.Action
              ? `meterd's SNS endpoint serves ConfirmSubscription and Unsubscribe, not ${parameters.Action}`
              : 'Action is required (ConfirmSubscription or Unsubscribe)',
            400,
          )
      }
    } catch (error) {
      const { code, status } =
        error instanceof SnsApiError
          ? error
          : error instanceof ValidationError
            ? { code: 'ValidationError', status: 400 }
            : { code: '', status: 0 }
      if (!status) throw error
      return xml(
        reply,
        status,
        `<ErrorResponse xmlns="${NAMESPACE}">
  <Error>
    <Type>Sender</Type>
    <Code>${code}</Code>
    <Message>${xmlEscape((error as Error).message)}</Message>
  </Error>
  <RequestId>${requestId}</RequestId>
</ErrorResponse>`,
        requestId,
      )
    }
  }

  app.get<{ Querystring: Record<string, string> }>('/sns/', (request, reply) => answer(request.query, reply))
  app.post<{ Body: Record<string, string> | undefined }>('/sns/', (request, reply) => answer(request.body ?? {}, reply))
}

class ValidationError extends Error {}

function xml(reply: FastifyReply, status: number, body: string, requestId?: string) {
  if (requestId) void reply.header('x-amzn-requestid', requestId)
  return reply.code(status).type('text/xml').send(`<?xml version="1.0"?>\n${body}\n`)
}
