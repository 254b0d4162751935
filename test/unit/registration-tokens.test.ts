import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isWellFormedToken, mintRegistrationToken } from '../../src/subscriptions/registration-tokens.js'

describe('mintRegistrationToken', () => {
  it('never starts a token with "-", which the AWS CLI would read as an option', () => {
    // Unfiltered, 1 token in 64 starts with '-': among 5,000 the chance of seeing none is about e^-78.
    const tokens = Array.from({ length: 5_000 }, mintRegistrationToken)
    for (const token of tokens) {
      assert.notEqual(token[0], '-', token)
      assert.ok(isWellFormedToken(token), token)
    }
    assert.equal(new Set(tokens).size, tokens.length)
  })
})
