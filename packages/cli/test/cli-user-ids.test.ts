// User ids with an organisation domain on the command line: typed as a person types them,
// normalised by the command (never by the server), and two "carol"s in two organisations.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCandor, startServerProcess, type ServerProcess } from './server-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'candor-cli-ids-'))
let server: ServerProcess

async function candor(home: string, ...args: string[]): Promise<{ stdout: string; code: number; stderr: string }> {
  return runCandor(['--server', server.url, '--home', join(dir, home), ...args])
}

beforeAll(async () => {
  server = await startServerProcess(join(dir, 'data'))
})
afterAll(async () => {
  await server.kill()
  rmSync(dir, { recursive: true, force: true })
})

describe('candor CLI with user ids of the form local@domain', () => {
  it('registers carol@acme.example and carol@globex.example, who message each other', async () => {
    const acme = await candor('acme', 'register', ' Carol@ACME.example', '--json')
    expect(acme.code, acme.stderr).toBe(0)
    expect(JSON.parse(acme.stdout)).toMatchObject({ userId: 'carol@acme.example' })
    const globex = await candor('globex', 'register', 'carol@globex.example', '--json')
    expect(JSON.parse(globex.stdout)).toMatchObject({ userId: 'carol@globex.example' })

    const sent = await candor('acme', 'send', 'Carol@Globex.Example', 'hello', 'globex')
    expect(sent.code, sent.stderr).toBe(0)
    const read = await candor('globex', 'read', '--json')
    const [line] = read.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(line).toMatchObject({ from: 'carol@acme.example', text: 'hello globex' })

    const reply = await candor('globex', 'send', line!.conversation as string, 'hello acme')
    expect(reply.code, reply.stderr).toBe(0)
    expect((await candor('acme', 'read')).stdout).toMatch(/carol@globex\.example: hello acme/)
  })

  it('still refuses what no normalising makes an id', async () => {
    const r = await candor('dave', 'register', 'dave@localhost')
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/bad_request.*user: domain must have at least two labels/)
  })
})
