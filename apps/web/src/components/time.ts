const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' })
const dayFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' })

/** Time of day for today, the date otherwise. */
export function formatTime(at: number): string {
  const d = new Date(at)
  return d.toDateString() === new Date().toDateString() ? timeFmt.format(d) : dayFmt.format(d)
}

export function formatDateTime(at: number): string {
  return new Date(at).toLocaleString()
}
