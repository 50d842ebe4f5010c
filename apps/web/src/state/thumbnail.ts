// Image previews made in this browser before a file is sent (docs/protocol.md §2 "Thumbnails"):
// the image is decoded here, drawn smaller onto a canvas and encoded as WebP (JPEG where the
// browser writes no WebP), small enough to travel inside the encrypted message (16 KiB). The
// server never sees it: it is part of the MLS ciphertext like the file's name.
import { CONTENT_LIMITS, toBase64Url, type Thumbnail } from '@candor/protocol'

/** The longest side of a preview, in pixels. */
export const THUMBNAIL_SIDE = 320
const QUALITIES = [0.8, 0.6, 0.4]
const SMALLEST_SIDE = 40

type Canvas = OffscreenCanvas | HTMLCanvasElement

function canvasOf(width: number, height: number): Canvas {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(width, height)
  const c = document.createElement('canvas')
  c.width = width
  c.height = height
  return c
}

async function encode(canvas: Canvas, type: string, quality: number): Promise<Blob | null> {
  if ('convertToBlob' in canvas) return canvas.convertToBlob({ type, quality }).catch(() => null)
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b), type, quality))
}

/** A preview of `file` (longest side at most `maxSide`) if it is an image this browser decodes and one fits in `maxBytes`; else undefined. */
export async function makeThumbnail(file: Blob, maxSide = THUMBNAIL_SIDE, maxBytes: number = CONTENT_LIMITS.thumbnailBytes): Promise<Thumbnail | undefined> {
  if (!file.type.startsWith('image/')) return undefined
  let bitmap: ImageBitmap
  try {
    bitmap = await createImageBitmap(file)
  } catch {
    return undefined // not an image this browser can decode: sent without a preview
  }
  try {
    let side = maxSide
    while (side >= SMALLEST_SIDE) {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height))
      const width = Math.max(1, Math.round(bitmap.width * scale))
      const height = Math.max(1, Math.round(bitmap.height * scale))
      const canvas = canvasOf(width, height)
      const ctx = canvas.getContext('2d') as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null
      if (!ctx) return undefined
      ctx.drawImage(bitmap, 0, 0, width, height)
      for (const quality of QUALITIES) {
        let blob = await encode(canvas, 'image/webp', quality)
        // A browser without a WebP encoder answers PNG: JPEG then.
        if (!blob || blob.type !== 'image/webp') blob = await encode(canvas, 'image/jpeg', quality)
        if (!blob || (blob.type !== 'image/webp' && blob.type !== 'image/jpeg')) return undefined
        if (blob.size <= maxBytes) {
          return { mediaType: blob.type, width, height, data: toBase64Url(new Uint8Array(await blob.arrayBuffer())) }
        }
      }
      side = Math.floor(side / 2)
    }
    return undefined
  } finally {
    bitmap.close()
  }
}

/** A `data:` URL of a thumbnail (the page's CSP allows `img-src data:`), for an <img>. */
export function thumbnailUrl(t: Thumbnail): string {
  const b64 = t.data.replace(/-/g, '+').replace(/_/g, '/')
  return `data:${t.mediaType};base64,${b64}${'='.repeat((4 - (b64.length % 4)) % 4)}`
}

/** The longest sides of a person's picture and of the thumbnail others show (docs/protocol.md §2 Avatars). */
export const AVATAR_SIDE = 512
export const AVATAR_THUMBNAIL_SIDE = 128

/** A person's picture from an image file: the picture (≤ 512 px) and its thumbnail (≤ 128 px); undefined when the browser cannot decode it. */
export async function makeAvatar(file: Blob): Promise<{ mediaType: string; data: string; thumbnail: Thumbnail } | undefined> {
  const picture = await makeThumbnail(file, AVATAR_SIDE, 512 * 1024)
  const thumbnail = await makeThumbnail(file, AVATAR_THUMBNAIL_SIDE)
  if (!picture || !thumbnail) return undefined
  return { mediaType: picture.mediaType, data: picture.data, thumbnail }
}
