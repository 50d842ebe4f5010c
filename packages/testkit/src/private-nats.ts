// A nats-server of a test's own, on a free loopback port, with the settings a test asks for
// (TLS with client certificates, users with passwords), and throwaway certificates made with
// openssl: for tests of how a node connects to a NATS that does not accept any peer. Stopped
// (and its folder removed) by stop().
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const NATS_SERVER_BIN = '/usr/sbin/nats-server'

/** PEM files under `dir`: a CA, a server certificate for 127.0.0.1, and a client certificate, all signed by the CA. */
export interface TestCertificates {
  dir: string
  caFile: string
  serverCertFile: string
  serverKeyFile: string
  clientCertFile: string
  clientKeyFile: string
  /** A client certificate signed by a CA the server does not know. */
  strangerCertFile: string
  strangerKeyFile: string
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore', timeout: 30_000 })
}

function makeCa(dir: string, name: string): void {
  openssl(dir, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.pem`, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
}

function makeLeaf(dir: string, ca: string, name: string, extensions: string): void {
  writeFileSync(join(dir, `${name}.ext`), extensions)
  openssl(dir, 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
  openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`)
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'candor-nats-tls-'))
  makeCa(dir, 'ca')
  makeCa(dir, 'other-ca')
  makeLeaf(dir, 'ca', 'server', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  makeLeaf(dir, 'ca', 'client', 'extendedKeyUsage=clientAuth\n')
  makeLeaf(dir, 'other-ca', 'stranger', 'extendedKeyUsage=clientAuth\n')
  const f = (n: string) => join(dir, n)
  return {
    dir,
    caFile: f('ca.pem'),
    serverCertFile: f('server.pem'),
    serverKeyFile: f('server-key.pem'),
    clientCertFile: f('client.pem'),
    clientKeyFile: f('client-key.pem'),
    strangerCertFile: f('stranger.pem'),
    strangerKeyFile: f('stranger-key.pem'),
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect({ host: '127.0.0.1', port })
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

export interface PrivateNatsOptions {
  /** Require TLS with this server certificate; `verify`: clients must present a certificate signed by `caFile`. */
  tls?: { certFile: string; keyFile: string; caFile: string; verify: boolean }
  /** Require one of these users (none: anyone may connect). */
  users?: Array<{ user: string; password: string }>
}

export interface PrivateNats {
  url: string
  port: number
  stop(): Promise<void>
}

const quote = (s: string): string => JSON.stringify(s)

export async function startPrivateNats(opts: PrivateNatsOptions): Promise<PrivateNats> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'candor-nats-'))
  const lines = [`listen: "127.0.0.1:${port}"`]
  if (opts.tls) {
    lines.push(`tls { cert_file: ${quote(opts.tls.certFile)}, key_file: ${quote(opts.tls.keyFile)}, ca_file: ${quote(opts.tls.caFile)}, verify: ${opts.tls.verify}, timeout: 2 }`)
  }
  if (opts.users) {
    lines.push(`authorization { users: [ ${opts.users.map((u) => `{ user: ${quote(u.user)}, password: ${quote(u.password)} }`).join(', ')} ] }`)
  }
  const conf = join(dir, 'nats.conf')
  writeFileSync(conf, `${lines.join('\n')}\n`)
  const child = spawn(NATS_SERVER_BIN, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] })
  let log = ''
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()))
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break
    if (await accepting(port)) return { url: `nats://127.0.0.1:${port}`, port, stop }
    await new Promise((r) => setTimeout(r, 100))
  }
  await stop()
  throw new Error(`nats-server did not start on port ${port}: ${log}`)
}
