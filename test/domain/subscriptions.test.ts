import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { parseWorld } from '../../src/catalog/world.js'
import { advanceLifecycle, type NewIds, nextTransitionAt, subscribe, unsubscribe } from '../../src/domain/subscriptions.js'
import type { World } from '../../src/domain/world.js'

const HOUR = 3_600_000
const DAY = 24 * HOUR
const T = Date.UTC(2026, 0, 10)
const policy = { finalMeteringMs: HOUR }

/** Ids from counters: two runs that make the same changes in the same order get the same ids. */
function counterIds(): NewIds {
  let n = 0
  return {
    agreementId: () => `agmt-${++n}`,
    licenseArn: (account) => `arn:aws:license-manager::${account}:license/l-${++n}`,
    customerIdentifier: () => `c${++n}`,
  }
}

const base = (): World =>
  parseWorld({
    accounts: [{ id: '111111111111' }],
    products: [
      { code: 'c', type: 'saas', seller: '111111111111', pricing: 'contract', contractDimensions: [{ name: 'seats', type: 'integer' }] },
      { code: 'u', type: 'saas', seller: '111111111111', dimensions: ['users'] },
    ],
    offers: [
      { id: 'offer-renewing', product: 'c', durationMonths: 1, autoRenew: true, entitlements: { seats: 3 } },
      { id: 'offer-once', product: 'c', durationMonths: 2, entitlements: { seats: 1 } },
      { id: 'offer-trial', product: 'u', freeTrialDays: 7 },
    ],
  })

/** A world with subscriptions of every kind, made at T + offsets. */
const withSubscriptions = (plan: readonly { offer: string; atDays: number; converts: boolean; unsubscribeAfterDays?: number }[]) => {
  const ids = counterIds()
  let world = base()
  plan.forEach((p, i) => {
    const accountId = String(200000000000 + i)
    const product = p.offer === 'offer-trial' ? 'u' : 'c'
    world = subscribe(
      world,
      { productCode: product, accountId, offerId: p.offer, trialConverts: p.converts, nowMs: T + p.atDays * DAY },
      ids,
    ).world
    if (p.unsubscribeAfterDays !== undefined) {
      const at = T + (p.atDays + p.unsubscribeAfterDays) * DAY
      world = advanceLifecycle(world, at, policy, ids).world
      try {
        world = unsubscribe(world, { productCode: product, accountId, nowMs: at }, ids).world
      } catch {
        // already ended by the clock
      }
    }
  })
  return { world, ids }
}

const plan = fc.array(
  fc.record({
    offer: fc.constantFrom('offer-renewing', 'offer-once', 'offer-trial'),
    atDays: fc.integer({ min: 0, max: 20 }),
    converts: fc.boolean(),
    unsubscribeAfterDays: fc.option(fc.integer({ min: 1, max: 40 }), { nil: undefined }),
  }),
  { minLength: 1, maxLength: 5 },
)
const view = (events: readonly { type: string; atMs: number; agreementId?: string }[]) =>
  events.map((e) => `${e.atMs} ${e.type} ${e.agreementId}`)

describe('the subscription lifecycle on the clock', () => {
  it('gives the same events whether the clock jumps or walks there', () => {
    fc.assert(
      fc.property(plan, fc.array(fc.integer({ min: 1, max: 40 * DAY }), { minLength: 1, maxLength: 6 }), (subscriptions, steps) => {
        const target = T + 200 * DAY
        const jumped = withSubscriptions(subscriptions)
        const jump = advanceLifecycle(jumped.world, target, policy, jumped.ids)
        const walked = withSubscriptions(subscriptions)
        let world = walked.world
        const events = []
        let now = T + 61 * DAY // after the last subscription or unsubscribe
        for (const step of steps) {
          now = Math.min(target, now + step)
          const change = advanceLifecycle(world, now, policy, walked.ids)
          world = change.world
          events.push(...change.events)
        }
        const rest = advanceLifecycle(world, target, policy, walked.ids)
        events.push(...rest.events)
        assert.deepEqual(view(events), view(jump.events))
      }),
      { numRuns: 60 },
    )
  })

  it('applies nothing twice: advancing again to the same instant changes nothing', () => {
    fc.assert(
      fc.property(plan, fc.integer({ min: 0, max: 400 * DAY }), (subscriptions, ahead) => {
        const { world, ids } = withSubscriptions(subscriptions)
        const once = advanceLifecycle(world, T + ahead, policy, ids)
        const twice = advanceLifecycle(once.world, T + ahead, policy, ids)
        assert.equal(twice.events.length, 0)
        assert.equal(twice.world, once.world)
        const next = nextTransitionAt(once.world, policy, ids)
        assert.ok(next === undefined || next > T + ahead)
      }),
      { numRuns: 60 },
    )
  })

  it('keeps events in time order, each at its own instant, however far the clock jumps', () => {
    fc.assert(
      fc.property(plan, fc.integer({ min: 0, max: 800 * DAY }), (subscriptions, ahead) => {
        const { world, ids } = withSubscriptions(subscriptions)
        const { events } = advanceLifecycle(world, T + ahead, policy, ids)
        for (let i = 1; i < events.length; i++) assert.ok(events[i - 1]!.atMs <= events[i]!.atMs, `${view(events).join('\n')}`)
        for (const e of events) assert.ok(e.atMs <= T + ahead)
      }),
      { numRuns: 60 },
    )
  })

  it('renews a monthly contract once per month, in order, on the same license', () => {
    const ids = counterIds()
    const world = subscribe(base(), { productCode: 'c', accountId: '222222222222', offerId: 'offer-renewing', nowMs: T }, ids).world
    const { events, world: after } = advanceLifecycle(world, Date.UTC(2026, 3, 10, 1), policy, ids)
    assert.deepEqual(
      events.filter((e) => e.type === 'agreement-created').map((e) => new Date(e.atMs).toISOString()),
      ['2026-02-10T00:00:00.000Z', '2026-03-10T00:00:00.000Z', '2026-04-10T00:00:00.000Z'],
    )
    assert.deepEqual(new Set(after.agreements.map((a) => a.licenseArn)).size, 1)
  })
})
