// Prosody (Debian package, 0.12) as the peer: started on a loopback port with a throwaway
// config (anonymous auth, no TLS, epoll, Nagle off, raised c2s limits), as user prosody via
// setpriv (runuser goes through PAM, which caps open files at 1,024), pinned to CPU 0.
import { execFileSync, spawnSync } from 'node:child_process'
import { chownSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { drainOutput, spawnPinned, stopChild, waitForLine } from '../spawn.ts'
import { SERVER_CPU, type SystemHandle } from './system.ts'

export const PROSODY_DOMAIN = 'bench.localhost'

function has(cmd: string): boolean {
  return spawnSync('bash', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0
}

/** Installs the Debian package when missing; throws with the reason if that is impossible. */
export async function ensureProsody(log: (s: string) => void = (s) => process.stderr.write(s + '\n')): Promise<void> {
  if (has('prosody')) return
  log('prosody is not installed: apt-get update && apt-get install -y prosody')
  const r = spawnSync('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prosody'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  })
  if (r.status !== 0 || !has('prosody')) {
    throw new Error(`Prosody could not be installed (apt-get exit ${r.status}): ${String(r.stderr).trim().split('\n').slice(-2).join(' ')}`)
  }
}

export function freePort(): Promise<number> {
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

function config(dir: string, port: number): string {
  return `-- Throwaway Prosody config written by the Candor bench.
pidfile = "${dir}/prosody.pid"
data_path = "${dir}/data"
log = { { levels = { min = "info" }, to = "console" } }
network_backend = "epoll"
network_settings = { nagle = false }
interfaces = { "127.0.0.1" }
c2s_ports = { ${port} }
c2s_interfaces = { "127.0.0.1" }
s2s_ports = { }
http_ports = { }
https_ports = { }
c2s_require_encryption = false
s2s_require_encryption = false
allow_unencrypted_plain_auth = true
modules_enabled = { "roster", "saslauth", "disco", "ping", "limits" }
modules_disabled = { "s2s", "tls", "offline" }
limits = {
  c2s = { rate = "100mb/s", burst = "10s" };
}
storage = "internal"
VirtualHost "${PROSODY_DOMAIN}"
  authentication = "anonymous"
`
}

export async function startProsody(dir: string): Promise<SystemHandle> {
  const port = await freePort()
  mkdirSync(join(dir, 'data'), { recursive: true })
  const cfg = join(dir, 'prosody.cfg.lua')
  writeFileSync(cfg, config(dir, port))
  const uid = Number(execFileSync('id', ['-u', 'prosody']).toString().trim())
  const gid = Number(execFileSync('id', ['-g', 'prosody']).toString().trim())
  for (const p of [dir, join(dir, 'data'), cfg]) chownSync(p, uid, gid)
  const child = spawnPinned('setpriv', ['--reuid=prosody', '--regid=prosody', '--init-groups', 'prosody', '--config', cfg], {
    cpu: SERVER_CPU,
  })
  await waitForLine(child, /Activated service 'c2s' on \[127\.0\.0\.1\]:\d+/, 20_000, 'prosody')
  drainOutput(child)
  return {
    name: 'prosody',
    pid: child.pid!,
    port,
    info: { domain: PROSODY_DOMAIN },
    stop: () => stopChild(child),
  }
}
