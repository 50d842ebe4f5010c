// People's pictures (docs/protocol.md §2 `profile`, "Avatars"): set by the person, carried in
// their end-to-end encrypted profile message as an AttachmentRef whose blob is the picture and
// whose `thumbnail` (made on the person's device, ≤ 16 KiB) is what others show. The server
// holds only the blob's ciphertext; readers never need to fetch it to show the avatar.
import { CONTENT_LIMITS, CandorError, fromBase64Url, toBase64Url, type AttachmentRef, type ProfileContent, type Thumbnail } from '@candor/protocol'
import type { LocalStore } from './local-store.ts'

const OWN = 'profile/avatar-own'
/** The largest picture a person may set (it is uploaded once per conversation). */
export const AVATAR_BYTES = 1024 * 1024
const KNOWN = 'profile/avatars'
/** Per group: the picture last uploaded there (its digest), the reference and when. */
const UPLOADS = 'profile/avatar-uploads'
/**
 * How long a picture uploaded into a group is sent again by reference instead of uploaded anew
 * (the same picture re-set, a name change, someone added): well inside the shortest retention an
 * organisation can set for blobs (a day), so the reference never outlives its blob by expiry.
 */
export const AVATAR_REUSE_MS = 12 * 60 * 60 * 1000

interface Upload {
  digest: string
  ref: AttachmentRef
  at: number
}

/** The person's own picture, kept on the device so each conversation gets it (uploaded into its group). */
export interface OwnAvatar {
  /** The picture: a media type and its bytes (base64url), what the blob holds. */
  mediaType: string
  data: string
  /** What others show (§2 thumbnail limits: ≤ 16 KiB, sides 1–4,096). */
  thumbnail: Thumbnail
}

interface KnownAvatar {
  thumbnail: Thumbnail | null
  /** sentAt of the profile message it came from: a later one wins. */
  at: number
}

export interface AvatarsDeps {
  store: LocalStore
  userId: string
  /** Uploads the picture into a conversation's group; the reference its profile message carries. */
  upload(groupId: string, avatar: OwnAvatar): Promise<AttachmentRef>
  changed(userId: string): void
}

export class Avatars {
  readonly #d: AvatarsDeps
  /** undefined: never set (profile messages carry no avatar field); null: removed. */
  #own: OwnAvatar | null | undefined
  #known = new Map<string, KnownAvatar>()
  #uploads = new Map<string, Upload>()

  constructor(deps: AvatarsDeps) {
    this.#d = deps
  }

  async load(): Promise<void> {
    const own = await this.#d.store.get(OWN)
    this.#own = own === undefined ? undefined : (JSON.parse(own) as { avatar: OwnAvatar | null }).avatar
    const known = await this.#d.store.get(KNOWN)
    this.#known = new Map(Object.entries(known === undefined ? {} : (JSON.parse(known) as Record<string, KnownAvatar>)))
    const uploads = await this.#d.store.get(UPLOADS)
    this.#uploads = new Map(Object.entries(uploads === undefined ? {} : (JSON.parse(uploads) as Record<string, Upload>)))
  }

  /** Whether profile messages carry an avatar field (set, or removed). */
  get announced(): boolean {
    return this.#own !== undefined
  }

  /** A user's picture as this device knows it (this person's own for themselves); null when none. */
  of(userId: string): Thumbnail | null {
    if (userId === this.#d.userId && this.#own !== undefined) return this.#own?.thumbnail ?? null
    return this.#known.get(userId)?.thumbnail ?? null
  }

  /** Sets (or, with null, removes) this person's picture; the caller then announces it to each conversation. */
  async set(avatar: OwnAvatar | null): Promise<void> {
    if (avatar) check(avatar)
    await this.#d.store.put(OWN, JSON.stringify({ avatar }))
    this.#own = avatar
    this.#d.changed(this.#d.userId)
  }

  /** The `avatar` field of a profile message for `groupId` (uploading the picture there), or nothing when never set. */
  async field(groupId: string): Promise<Pick<ProfileContent, 'avatar'>> {
    if (this.#own === undefined) return {}
    if (this.#own === null) return { avatar: null }
    // The same picture sent to this group lately: its reference again, not a second upload.
    const digest = await digestOf(this.#own)
    const last = this.#uploads.get(groupId)
    const now = Date.now()
    if (last && last.digest === digest && now - last.at < AVATAR_REUSE_MS) return { avatar: last.ref }
    const ref = await this.#d.upload(groupId, this.#own)
    this.#uploads.set(groupId, { digest, ref, at: now })
    for (const [g, u] of this.#uploads) if (now - u.at >= AVATAR_REUSE_MS) this.#uploads.delete(g)
    await this.#d.store.put(UPLOADS, JSON.stringify(Object.fromEntries(this.#uploads)))
    return { avatar: ref }
  }

  /** A member's profile message: its avatar field, the latest by their clock. */
  async received(from: string, content: ProfileContent, sentAt: number): Promise<void> {
    if (content.avatar === undefined || from === this.#d.userId) return
    const prev = this.#known.get(from)
    if (prev && prev.at > sentAt) return
    const thumbnail = content.avatar?.thumbnail ?? null
    this.#known.set(from, { thumbnail, at: sentAt })
    await this.#d.store.put(KNOWN, JSON.stringify(Object.fromEntries(this.#known)))
    if (prev?.thumbnail?.data !== thumbnail?.data) this.#d.changed(from)
  }
}

/** SHA-256 of what the blob would hold (media type and bytes), base64url. */
async function digestOf(a: OwnAvatar): Promise<string> {
  const bytes = new TextEncoder().encode(`${a.mediaType}\n${a.data}`)
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
}

function check(a: OwnAvatar): void {
  const t = a.thumbnail
  const tb = fromBase64Url(t.data)
  if (!/^image\/[a-z0-9.+-]+$/i.test(t.mediaType) || !tb || tb.length > CONTENT_LIMITS.thumbnailBytes || !(t.width >= 1 && t.height >= 1 && t.width <= CONTENT_LIMITS.thumbnailSide && t.height <= CONTENT_LIMITS.thumbnailSide)) {
    throw new CandorError('bad_request', `avatar.thumbnail: an image of at most ${CONTENT_LIMITS.thumbnailBytes} bytes, sides 1–${CONTENT_LIMITS.thumbnailSide}`)
  }
  const bytes = fromBase64Url(a.data)
  if (!/^image\/[a-z0-9.+-]+$/i.test(a.mediaType) || !bytes || bytes.length === 0) {
    throw new CandorError('bad_request', 'avatar: must be an image (a media type image/… and its bytes)')
  }
  if (bytes.length > AVATAR_BYTES) throw new CandorError('bad_request', `avatar: at most ${AVATAR_BYTES} bytes`)
}
