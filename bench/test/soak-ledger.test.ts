// The soak's counting (bench/src/soak/ledger.ts): each way a delivery can come again is told
// apart, and the ones the guarantee forbids are counted as violations — so a server that broke
// it would fail the soak, not pass it unnoticed.
import { describe, expect, it } from 'vitest'
import { SoakLedger } from '../src/soak/ledger.ts'

function setup() {
  const ledger = new SoakLedger()
  const alice = ledger.device('alice')
  const bob = ledger.device('bob')
  alice.deviceId = 'A'
  bob.deviceId = 'B'
  ledger.groups.set('g', ['alice', 'bob'])
  return { ledger, alice, bob }
}

describe('the soak ledger', () => {
  it('a delivery sent again before its ack is allowed (at-least-once)', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0)
    ledger.killed(new Map([['B', new Set([1])]]))
    bob.onDeliver(1, 'A', 'm1', 1)
    const v = ledger.verdict()
    expect(v.duplicates.unacknowledged).toBe(1)
    expect(v.violations).toBe(0)
  })

  it('an ack the database did not have at the kill: allowed, and counted as an ack lost with that kill', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0)
    bob.onAck([1], 0)
    ledger.killed(new Map([['B', new Set([1])]]))
    bob.onDeliver(1, 'A', 'm1', 1)
    const v = ledger.verdict()
    expect(v.duplicates.ackLostWithKill).toBe(1)
    expect(v.acksLostPerKill).toEqual([1])
    expect(v.violations).toBe(0)
  })

  it('an ack the database had at the kill, then the delivery again: a violation', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0)
    bob.onAck([1], 0)
    ledger.killed(new Map())
    bob.onDeliver(1, 'A', 'm1', 1)
    const v = ledger.verdict()
    expect(v.duplicates.persistedAckRedelivered).toBe(1)
    expect(v.acksLostPerKill).toEqual([0])
    expect(v.violations).toBe(1)
  })

  it('acknowledged to a server that sends it again after it read the ack (it answered a later send first), with no kill between: a violation', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0, 1)
    bob.onAck([1], 0, { socket: 1, at: 3 })
    bob.onSend(9, 'b1', 'g', { socket: 1, at: 4 })
    bob.onAccepted(9)
    bob.onDeliver(1, 'A', 'm1', 0, 1)
    expect(ledger.verdict().duplicates.ackedThisLife).toBe(1)
    expect(ledger.verdict().violations).toBe(1)
  })

  it('sent again while its ack was on the way (no answer yet to anything after the ack): allowed', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0, 1)
    bob.onSend(8, 'b0', 'g', { socket: 1, at: 2 })
    bob.onAck([1], 0, { socket: 1, at: 3 })
    bob.onSend(9, 'b1', 'g', { socket: 1, at: 4 })
    // The answer to a send written before the ack proves nothing about the ack.
    bob.onAccepted(8)
    bob.onDeliver(1, 'A', 'm1', 0, 1)
    const v = ledger.verdict()
    expect(v.duplicates.ackCrossed).toBe(1)
    expect(v.violations).toBe(0)
  })

  it('acknowledged on one socket of a server life, delivered again on another of the same life: a violation', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0, 1)
    bob.onAck([1], 0, { socket: 1, at: 3 })
    bob.onDeliver(1, 'A', 'm1', 0, 2)
    expect(ledger.verdict().duplicates.ackedThisLife).toBe(1)
  })

  it('the same message under a new seq: after its ack, or while queued, both violations', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0)
    bob.onAck([1], 0)
    bob.onDeliver(2, 'A', 'm1', 0)
    bob.onDeliver(3, 'A', 'm2', 0)
    bob.onDeliver(4, 'A', 'm2', 0)
    // Another sender's message with the same id is another message.
    bob.onDeliver(5, 'C', 'm1', 0)
    const v = ledger.verdict()
    expect(v.duplicates.resentAfterAck).toBe(1)
    expect(v.duplicates.storedTwice).toBe(1)
    expect(v.violations).toBe(2)
  })

  it('an ack that reached no server socket marks nothing acknowledged', () => {
    const { ledger, bob } = setup()
    bob.onDeliver(1, 'A', 'm1', 0)
    bob.onAck([1], undefined)
    bob.onDeliver(1, 'A', 'm1', 0)
    const v = ledger.verdict()
    expect(v.acksNotForwarded).toBe(1)
    expect(v.duplicates.unacknowledged).toBe(1)
  })

  it('an accepted send not delivered to another member is lost; one the server refused or never accepted is not', () => {
    const { ledger, alice, bob } = setup()
    alice.onSend(1, 'm1', 'g')
    alice.onSend(2, 'm2', 'g')
    alice.onSend(3, 'm3', 'g')
    alice.onSend(4, 'm4', 'g')
    alice.onAccepted(1)
    alice.onAccepted(2)
    alice.onError(3, 'rate_limited')
    bob.onDeliver(7, 'A', 'm2', 0)
    const v = ledger.verdict()
    expect(v.sends).toBe(4)
    expect(v.accepted).toBe(2)
    expect(v.refused).toEqual({ rate_limited: 1 })
    expect(v.lost).toEqual(['alice → bob: m1'])
    bob.onDeliver(8, 'A', 'm1', 0)
    expect(ledger.verdict().lost).toEqual([])
  })
})
