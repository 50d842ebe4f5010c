// A minimal ZIP writer (PKWARE APPNOTE 6.3: local headers, central directory, end record) with
// every entry STORED, uncompressed: the export is mostly JSON and small, any unzip tool opens
// it, and it needs no dependency. CRC-32 is the ZIP checksum, not a security measure: the
// bundle's integrity comes from its signed SHA-256 manifest.

export interface ZipEntry {
  path: string
  bytes: Uint8Array
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c >>> 0
  }
  return t
})()

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

/** DOS date and time of `at` (local time, as unzip tools show it). */
function dosTime(at: Date): { time: number; date: number } {
  return {
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2),
    date: (Math.max(at.getFullYear() - 1980, 0) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
  }
}

/** The entries as one ZIP file (no ZIP64: the export stays far below 4 GiB and 65,535 files). */
export function zipStore(entries: readonly ZipEntry[], at = new Date()): Uint8Array<ArrayBuffer> {
  if (entries.length > 0xffff) throw new Error('too many files for a ZIP without ZIP64')
  const { time, date } = dosTime(at)
  const enc = new TextEncoder()
  const locals: Uint8Array[] = []
  const centrals: Uint8Array[] = []
  let offset = 0
  for (const e of entries) {
    const name = enc.encode(e.path)
    const crc = crc32(e.bytes)
    const size = e.bytes.length
    if (offset + 30 + name.length + size > 0xffffffff) throw new Error('export too large for a ZIP without ZIP64')
    const local = new Uint8Array(30 + name.length)
    const l = new DataView(local.buffer)
    l.setUint32(0, 0x04034b50, true)
    l.setUint16(4, 20, true) // version needed: 2.0
    l.setUint16(6, 0x0800, true) // names are UTF-8
    l.setUint16(8, 0, true) // stored
    l.setUint16(10, time, true)
    l.setUint16(12, date, true)
    l.setUint32(14, crc, true)
    l.setUint32(18, size, true)
    l.setUint32(22, size, true)
    l.setUint16(26, name.length, true)
    local.set(name, 30)
    const central = new Uint8Array(46 + name.length)
    const c = new DataView(central.buffer)
    c.setUint32(0, 0x02014b50, true)
    c.setUint16(4, 20, true)
    c.setUint16(6, 20, true)
    c.setUint16(8, 0x0800, true)
    c.setUint16(10, 0, true)
    c.setUint16(12, time, true)
    c.setUint16(14, date, true)
    c.setUint32(16, crc, true)
    c.setUint32(20, size, true)
    c.setUint32(24, size, true)
    c.setUint16(28, name.length, true)
    c.setUint32(42, offset, true)
    central.set(name, 46)
    locals.push(local, e.bytes)
    centrals.push(central)
    offset += local.length + size
  }
  const centralSize = centrals.reduce((n, x) => n + x.length, 0)
  const end = new Uint8Array(22)
  const d = new DataView(end.buffer)
  d.setUint32(0, 0x06054b50, true)
  d.setUint16(8, entries.length, true)
  d.setUint16(10, entries.length, true)
  d.setUint32(12, centralSize, true)
  d.setUint32(16, offset, true)
  const out = new Uint8Array(offset + centralSize + end.length)
  let at2 = 0
  for (const part of [...locals, ...centrals, end]) {
    out.set(part, at2)
    at2 += part.length
  }
  return out
}
