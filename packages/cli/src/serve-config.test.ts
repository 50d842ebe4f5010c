// `candor serve`'s NATS security and metrics listener settings, read once from flags and the
// environment; anything inconsistent is refused before the server starts.
import { describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { readServeConfig } from './serve-config.ts'

const cfg = (flags: Record<string, string | boolean>, env: NodeJS.ProcessEnv = {}) => readServeConfig(flags, env)
const pg = { store: 'postgres://candor@db/candor' }

describe('serve configuration: the bus', () => {
  it('reads TLS files and a user whose password comes from the environment only', () => {
    const c = cfg({ ...pg, bus: 'nats://nats.internal:4222', 'bus-ca': 'ca.pem', 'bus-cert': 'node.pem', 'bus-key': 'node-key.pem', 'bus-user': 'candor' }, { CANDOR_BUS_PASSWORD: 'pw' })
    expect(c.busSecurity).toEqual({
      tls: { caFile: resolve('ca.pem'), certFile: resolve('node.pem'), keyFile: resolve('node-key.pem') },
      auth: { kind: 'user', user: 'candor', password: 'pw' },
    })
  })

  it('takes every setting from the environment too, and tls:// or --bus-tls asks for TLS with the system CAs', () => {
    const c = cfg({}, { CANDOR_STORE: pg.store, CANDOR_BUS: 'tls://nats:4222', CANDOR_BUS_CREDS: 'node.creds' })
    expect(c.busSecurity).toEqual({ tls: {}, auth: { kind: 'creds', file: resolve('node.creds') } })
    expect(cfg({ ...pg, bus: 'nats://n:4222', 'bus-tls': true, 'bus-nkey': 'seed.nk' }).busSecurity).toEqual({ tls: {}, auth: { kind: 'nkey', seedFile: resolve('seed.nk') } })
    expect(cfg({ ...pg, bus: 'nats://n:4222' }, { CANDOR_BUS_TOKEN: 't0k3n' }).busSecurity).toEqual({ auth: { kind: 'token', token: 't0k3n' } })
    expect(cfg({ ...pg, bus: 'nats://n:4222' }).busSecurity).toEqual({})
  })

  it('refuses credentials in the URL, half a client certificate, a user without a password, two credentials, and bus options without a bus', () => {
    expect(() => cfg({ ...pg, bus: 'nats://candor:pw@n:4222' })).toThrow(/must not carry credentials/)
    expect(() => cfg({ ...pg, bus: 'nats://n:4222', 'bus-cert': 'c.pem' })).toThrow(/--bus-cert and --bus-key/)
    expect(() => cfg({ ...pg, bus: 'nats://n:4222', 'bus-user': 'candor' })).toThrow(/CANDOR_BUS_PASSWORD/)
    expect(() => cfg({ ...pg, bus: 'nats://n:4222', 'bus-creds': 'a.creds', 'bus-nkey': 's.nk' })).toThrow(/one NATS credential/)
    expect(() => cfg({ 'bus-ca': 'ca.pem' })).toThrow(/need --bus nats/)
    expect(() => cfg({ ...pg, bus: 'http://n:4222' })).toThrow(/--bus must be/)
  })
})

describe('serve configuration: metrics', () => {
  it('are not served unless a port is given; then on loopback unless told otherwise', () => {
    expect(cfg({}).metrics).toBeUndefined()
    expect(cfg({ 'metrics-port': '9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464 })
    expect(cfg({}, { CANDOR_METRICS_PORT: '0', CANDOR_METRICS_HOST: '10.0.0.5' }).metrics).toEqual({ host: '10.0.0.5', port: 0 })
    expect(() => cfg({ 'metrics-port': 'x' })).toThrow(/--metrics-port/)
    expect(() => cfg({ 'metrics-host': '0.0.0.0' })).toThrow(/needs --metrics-port/)
  })
})

describe('serve configuration: the default organisation’s sign-up', () => {
  it('is left as stored unless a flag or CANDOR_OPEN_SIGNUP says otherwise', () => {
    expect(cfg({}).defaultSignup).toBeUndefined()
    expect(cfg({ 'no-open-signup': true }).defaultSignup).toBe('closed')
    expect(cfg({ 'open-signup': true }).defaultSignup).toBe('open')
    expect(cfg({}, { CANDOR_OPEN_SIGNUP: '0' }).defaultSignup).toBe('closed')
    expect(cfg({}, { CANDOR_OPEN_SIGNUP: '1' }).defaultSignup).toBe('open')
    expect(cfg({ 'open-signup': true }, { CANDOR_OPEN_SIGNUP: '0' }).defaultSignup).toBe('open')
    expect(() => cfg({ 'open-signup': true, 'no-open-signup': true })).toThrow(/not both/)
    expect(() => cfg({}, { CANDOR_OPEN_SIGNUP: 'no' })).toThrow(/CANDOR_OPEN_SIGNUP must be 1/)
  })
})

describe('serve configuration: request allowances', () => {
  it('reads --http-rate and --lookup-rate (or the environment); none given leaves the server its defaults', () => {
    expect(cfg({}).rates).toEqual({})
    expect(cfg({ 'http-rate': '500', 'lookup-rate': '0' }).rates).toEqual({ httpPerSecond: 500, lookupPerSecond: 0 })
    expect(cfg({}, { CANDOR_HTTP_RATE: '50', CANDOR_LOOKUP_RATE: '5' }).rates).toEqual({ httpPerSecond: 50, lookupPerSecond: 5 })
    expect(cfg({ 'lookup-rate': '7' }, { CANDOR_LOOKUP_RATE: '5' }).rates).toEqual({ lookupPerSecond: 7 })
  })
  it('refuses what is not a whole number, and a request rate of 0 (the server would answer nobody)', () => {
    for (const bad of ['-1', '1.5', 'ten', '1e3', '99999999']) expect(() => cfg({ 'lookup-rate': bad })).toThrow(/--lookup-rate must be a whole number/)
    expect(() => cfg({ 'http-rate': '0' })).toThrow(/--http-rate must be a whole number of requests a second, at least 1/)
  })
})
