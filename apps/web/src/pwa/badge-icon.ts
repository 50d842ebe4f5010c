// The tab's icon with the unread count on it, drawn on a canvas (a data: URL; the page's CSP
// allows images from data:).
const cache = new Map<string, string>()

export function drawBadgeIcon(unread: number): string {
  const label = unread > 9 ? '9+' : String(unread)
  const hit = cache.get(label)
  if (hit) return hit
  const size = 64
  const canvas = document.createElement('canvas')
  canvas.width = size
  canvas.height = size
  const g = canvas.getContext('2d')
  if (!g) return 'icon.svg'
  g.fillStyle = '#3b5bdb'
  g.beginPath()
  g.roundRect(0, 0, size, size, 16)
  g.fill()
  g.fillStyle = '#e03131'
  g.beginPath()
  g.arc(size - 22, 22, 22, 0, Math.PI * 2)
  g.fill()
  g.fillStyle = '#ffffff'
  g.font = `bold ${label.length > 1 ? 24 : 30}px sans-serif`
  g.textAlign = 'center'
  g.textBaseline = 'middle'
  g.fillText(label, size - 22, 23)
  const url = canvas.toDataURL('image/png')
  cache.set(label, url)
  return url
}
