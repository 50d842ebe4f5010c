// A NATS that does not accept any peer: TLS with client certificates and a user with a
// password, on a nats-server this test starts on a free loopback port with certificates it
// makes. A node with the right settings connects and delivers between nodes; a peer without the
// password, without a certificate, with a certificate from another CA, or without TLS at all is
// refused, and nothing it tries to publish reaches a device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, rmSync, writeFileSync } from 'node:fs'
import { connect as tcpConnect } from 'node:net'
import { join } from 'node:path'
import { newDeviceId, randomBytes } from '@candor/protocol'
import type { BusDelivery } from '@candor/ports'
import { makeTestCertificates, NATS_SERVER_BIN, startPrivateNats, type PrivateNats, type TestCertificates } from '@candor/testkit/private-nats'
import { NatsBus, deviceSubject, type NatsBusOptions } from './nats-bus.ts'
import { encodeDelivery } from './bus-codec.ts'

const canRun = existsSync(NATS_SERVER_BIN)
if (!canRun) console.warn(`\n*** NatsBus over TLS: ${NATS_SERVER_BIN} missing; SKIPPING ***\n`)

describe.skipIf(!canRun)('NatsBus on a NATS that requires TLS, client certificates and a password', () => {
  let certs: TestCertificates
  let nats: PrivateNats
  const open: NatsBus[] = []
  let good: NatsBusOptions

  const node = async (id: string, opts: NatsBusOptions): Promise<NatsBus> => {
    const b = await NatsBus.connect(nats.url, id, { connectTimeoutMs: 3000, ...opts })
    open.push(b)
    return b
  }

  beforeAll(async () => {
    certs = makeTestCertificates()
    nats = await startPrivateNats({
      tls: { certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, caFile: certs.caFile, verify: true },
      users: [{ user: 'candor', password: 'a long bus password' }],
    })
    good = {
      tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
      auth: { kind: 'user', user: 'candor', password: 'a long bus password' },
    }
  })
  afterAll(async () => {
    for (const b of open) await b.close().catch(() => undefined)
    await nats?.stop()
    if (certs) rmSync(certs.dir, { recursive: true, force: true })
  })

  it('a node with the CA, its client certificate and the password connects, and deliveries cross nodes', async () => {
    const a = await node('secure-a', good)
    const b = await node('secure-b', good)
    const device = newDeviceId()
    const got: BusDelivery[] = []
    b.subscribeDevice(device, (d) => got.push(d))
    await b.flush()
    a.publish([{ deviceId: device, seq: 1, frame: randomBytes(20) }])
    const until = Date.now() + 30_000
    while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(got.map((d) => d.seq)).toEqual([1])
  })

  it('refuses a peer without credentials, with a wrong password, without a client certificate, with a stranger’s certificate, or without TLS — and none of them reaches a device', async () => {
    const a = await node('secure-watch', good)
    const device = newDeviceId()
    const got: BusDelivery[] = []
    a.subscribeDevice(device, (d) => got.push(d))
    await a.flush()

    // The server drops a TLS handshake without an acceptable client certificate, which the
    // client sees as no answer: refused all the same.
    const attempts: Array<[string, NatsBusOptions, RegExp]> = [
      ['no credentials', { tls: good.tls! }, /Authorization Violation/],
      ['a wrong password', { ...good, auth: { kind: 'user', user: 'candor', password: 'guess' } }, /Authorization Violation/],
      ['no client certificate', { tls: { caFile: certs.caFile }, auth: good.auth! }, /./],
      ['a certificate of another CA', { tls: { caFile: certs.caFile, certFile: certs.strangerCertFile, keyFile: certs.strangerKeyFile }, auth: good.auth! }, /./],
      ['no TLS options (the server’s CA is not trusted)', { auth: good.auth! }, /certificate/],
    ]
    for (const [what, opts, why] of attempts) {
      await expect(NatsBus.connect(nats.url, 'intruder', { connectTimeoutMs: 3000, ...opts }), what).rejects.toThrow(why)
    }

    // A peer speaking plain NATS, as any process on the network could, password included: the
    // server closes on it without taking its PUB (no PONG for the PING after it).
    const plain = await plainPublish(nats.port, deviceSubject(device), encodeDelivery({ deviceId: device, seq: 7, frame: randomBytes(20) }))
    expect(plain.serverSaid).toContain('"tls_required":true')
    expect(plain.serverSaid).not.toContain('PONG')

    // The legitimate node still works, and the device got nothing from any of them.
    const b = await node('secure-sender', good)
    b.publish([{ deviceId: device, seq: 2, frame: randomBytes(20) }])
    await b.flush()
    const until = Date.now() + 30_000
    while (got.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10))
    expect(got.map((d) => d.seq)).toEqual([2])
  })

  it('a client certificate needs its key (a configuration mistake is refused before connecting)', async () => {
    await expect(NatsBus.connect(nats.url, 'half', { tls: { caFile: certs.caFile, certFile: certs.clientCertFile }, auth: good.auth! })).rejects.toThrow(/both its certificate and its key/)
  })

  it('reads an NKey seed or a .creds file given as a path (a missing file is an error at start)', async () => {
    const missing = join(certs.dir, 'no-such.creds')
    await expect(NatsBus.connect(nats.url, 'creds', { ...good, auth: { kind: 'creds', file: missing } })).rejects.toThrow(/ENOENT/)
    const seed = join(certs.dir, 'seed.nk')
    writeFileSync(seed, 'not a seed\n')
    await expect(NatsBus.connect(nats.url, 'nkey', { tls: good.tls!, auth: { kind: 'nkey', seedFile: seed }, connectTimeoutMs: 3000 })).rejects.toThrow()
  })
})

/** Connects over plain TCP, sends CONNECT and a PUB without TLS, and returns what the server said. */
function plainPublish(port: number, subject: string, payload: Uint8Array): Promise<{ serverSaid: string }> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port })
    let said = ''
    s.on('data', (d: Buffer) => {
      said += d.toString('latin1')
      if (said.includes('\r\n') && !said.includes('-ERR') && said.startsWith('INFO')) {
        s.write(`CONNECT {"verbose":false,"user":"candor","pass":"a long bus password"}\r\nPUB ${subject} ${payload.length}\r\n`)
        s.write(payload)
        s.write('\r\nPING\r\n')
      }
    })
    const done = () => resolve({ serverSaid: said })
    s.once('close', done)
    s.once('error', done)
    setTimeout(() => s.destroy(), 3000).unref()
  })
}
