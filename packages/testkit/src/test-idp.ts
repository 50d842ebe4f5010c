// A real OpenID Connect provider (oidc-provider) on loopback for the single sign-on tests: one
// confidential client, the authorization code flow (PKCE required), the device flow and
// back-channel logout; people log in through a small login form (login and password). A
// `Browser` follows redirects with a cookie jar, as a person's browser would.
//
// The test holds the provider's signing key, so it can also act as a provider gone wrong:
// `tamperIdToken` re-signs the ID token the token endpoint returns with changed claims (wrong
// nonce, audience, issuer), and `signLogoutToken` makes logout tokens of any content.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider'
import { SignJWT, decodeJwt, exportJWK, generateKeyPair, type JWK } from 'jose'

export interface IdpAccount {
  password: string
  email: string
  emailVerified?: boolean
  groups?: string[]
}

export interface TestIdpOptions {
  clientId?: string
  clientSecret?: string
  /** Where the provider sends people back (the Candor server's /v1/sso/callback). */
  redirectUri: string
  /** The Candor server's back-channel logout URI for this organisation. */
  backchannelLogoutUri?: string
  accounts: Record<string, IdpAccount>
}

export interface TestIdp {
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  readonly provider: Provider
  accounts: Record<string, IdpAccount>
  /** When set, the token endpoint's ID token is re-signed with these changes (test of the relying party's checks). */
  tamperIdToken: ((claims: Record<string, unknown>) => Record<string, unknown>) | null
  /** A JWT signed with the provider's key (or `key`), with the provider's `kid`. */
  signLogoutToken(claims: Record<string, unknown>, opts?: { foreignKey?: boolean; typ?: string }): Promise<string>
  /** The provider's own back-channel logout of `accountId`'s session `sid` (a real logout token, posted to the client's URI). */
  backchannelLogout(accountId: string, sid: string): Promise<void>
  close(): Promise<void>
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = ''
  for await (const c of req) body += c
  return new URLSearchParams(body)
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

export async function startTestIdp(opts: TestIdpOptions): Promise<TestIdp> {
  const clientId = opts.clientId ?? 'candor'
  const clientSecret = opts.clientSecret ?? `secret-${randomBytes(12).toString('hex')}`
  const { privateKey } = await generateKeyPair('RS256', { extractable: true })
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: `k-${randomBytes(4).toString('hex')}`, alg: 'RS256', use: 'sig' }
  const foreign = (await generateKeyPair('RS256', { extractable: true })).privateKey

  const http: Server = createServer()
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
  const port = (http.address() as AddressInfo).port
  const issuer = `http://127.0.0.1:${port}`

  const idp = {
    issuer,
    clientId,
    clientSecret,
    accounts: opts.accounts,
    tamperIdToken: null as TestIdp['tamperIdToken'],
  }

  const configuration: Configuration = {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [opts.redirectUri],
        grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
        ...(opts.backchannelLogoutUri ? { backchannel_logout_uri: opts.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(16).toString('hex')] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'groups'] },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: { enabled: true },
      backchannelLogout: { enabled: true },
    },
    pkce: { required: () => true },
    // Scope claims (email, groups) in the ID token too, as Keycloak, Entra ID and Okta send them.
    conformIdTokenClaims: false,
    // The provider refuses to post to loopback addresses (SSRF protection); the Candor server of
    // the test is on loopback, so its outgoing requests (the logout token) go without that guard.
    fetch: (url: string | URL | Request, options?: RequestInit) => {
      const { dispatcher: _guard, ...rest } = (options ?? {}) as RequestInit & { dispatcher?: unknown }
      return fetch(url, rest)
    },
    // First-party client: no consent screen (the grant is made on login).
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId)
      if (grantId) return ctx.oidc.provider.Grant.find(grantId)
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! })
      grant.addOIDCScope('openid email profile')
      await grant.save()
      return grant
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, id) {
      const a = idp.accounts[id]
      if (!a) return undefined
      return {
        accountId: id,
        claims: async () => ({ sub: id, email: a.email, email_verified: a.emailVerified ?? true, name: id, groups: a.groups ?? [] }),
      }
    },
  }
  const provider = new Provider(issuer, configuration)
  provider.on('server_error', (_ctx, err) => console.error('test idp server_error', err))

  // The relying party's checks under test: re-sign the token endpoint's ID token with changes.
  provider.use(async (ctx, next) => {
    await next()
    const body = ctx.body as { id_token?: string; device_code?: string; interval?: number } | undefined
    // Poll every second rather than RFC 8628's default five (a provider may say so).
    if (ctx.path === '/device/auth' && body && typeof body.device_code === 'string') ctx.body = { ...body, interval: 1 }
    if (ctx.path.endsWith('/token') && idp.tamperIdToken && body && typeof body.id_token === 'string') {
      const claims = idp.tamperIdToken({ ...decodeJwt(body.id_token) })
      ctx.body = { ...body, id_token: await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid! }).sign(privateKey) }
    }
  })

  const callback = provider.callback()
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer)
    if (!/^\/interaction\/[^/]+(\/login)?$/.test(url.pathname)) {
      callback(req, res)
      return
    }
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res)
        if (req.method === 'GET') {
          res.writeHead(200, { 'content-type': 'text/html' })
          res.end(`<!doctype html><form method="post" action="/interaction/${esc(details.uid)}/login"><input name="login"><input name="password" type="password"><button>Sign in</button></form>`)
          return
        }
        const form = await readForm(req)
        const login = form.get('login') ?? ''
        const account = idp.accounts[login]
        if (!account || account.password !== form.get('password')) {
          res.writeHead(401, { 'content-type': 'text/html' })
          res.end('wrong login or password')
          return
        }
        await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false })
      } catch (e) {
        res.writeHead(400, { 'content-type': 'text/plain' })
        res.end(String(e))
      }
    })()
  })

  return {
    ...idp,
    get accounts() {
      return idp.accounts
    },
    set accounts(a) {
      idp.accounts = a
    },
    get tamperIdToken() {
      return idp.tamperIdToken
    },
    set tamperIdToken(f) {
      idp.tamperIdToken = f
    },
    provider,
    async signLogoutToken(claims, o = {}) {
      return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ: o.typ ?? 'logout+jwt' }).sign(o.foreignKey ? foreign : privateKey)
    },
    async backchannelLogout(accountId, sid) {
      const client = await provider.Client.find(clientId)
      if (!client) throw new Error('no client')
      await (client as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> }).backchannelLogout(accountId, sid)
    },
    close: () => new Promise<void>((r) => http.close(() => r())),
  }
}

/** A person's browser: follows redirects (keeping cookies) and submits forms. */
export class Browser {
  readonly #cookies = new Map<string, string>()

  #remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';')
      const i = pair!.indexOf('=')
      const name = pair!.slice(0, i).trim()
      const value = pair!.slice(i + 1)
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.#cookies.delete(name)
      else this.#cookies.set(name, value)
    }
  }

  /** Requests `url` and follows redirects; returns the last response with its text and URL. */
  async go(url: string, init: { method?: string; form?: Record<string, string>; stopAt?: string } = {}): Promise<{ status: number; url: string; text: string; location: string | null }> {
    let method = init.method ?? (init.form ? 'POST' : 'GET')
    let body: string | undefined = init.form ? new URLSearchParams(init.form).toString() : undefined
    let current = url
    for (let hops = 0; hops < 20; hops++) {
      const headers: Record<string, string> = { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') }
      if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
      const res = await fetch(current, { method, headers, body: body ?? null, redirect: 'manual' })
      this.#remember(res)
      const location = res.headers.get('location')
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, current).href
        // Stop before following a redirect to `stopAt` (to tamper with what the browser would send).
        if (init.stopAt !== undefined && next.startsWith(init.stopAt)) return { status: res.status, url: next, text: '', location: next }
        current = next
        method = 'GET'
        body = undefined
        continue
      }
      return { status: res.status, url: current, text: await res.text(), location }
    }
    throw new Error('too many redirects')
  }

  /** Submits the page's form (hidden inputs kept, `fields` added) to its action. */
  async submit(page: { url: string; text: string }, fields: Record<string, string>, formId?: string) {
    const forms = [...page.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)]
    const f = formId ? forms.find((x) => x[1]!.includes(`id="${formId}"`)) : forms[0]
    if (!f) throw new Error(`no form on ${page.url}: ${page.text.replace(/<style>[\s\S]*<\/style>/, "").slice(0, 1500)}`)
    const action = /action="([^"]*)"/.exec(f[1]!)?.[1] ?? page.url
    const hidden: Record<string, string> = {}
    for (const i of f[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/?>/g)) hidden[i[1]!] = i[2]!
    return this.go(new URL(action.replace(/&amp;/g, '&'), page.url).href, { form: { ...hidden, ...fields } })
  }
}
