// The server's answer about a conversation's disappearing timer.
export interface RetentionResponse {
  groupId: string
  retentionMs: number | null
}

export const retentionResponse = {
  safeParse(v: unknown): { success: true; data: RetentionResponse } | { success: false; error: { issues: Array<{ path: PropertyKey[]; message: string }> } } {
    const o = v as Partial<RetentionResponse> | null
    if (o && typeof o.groupId === 'string' && (o.retentionMs === null || (typeof o.retentionMs === 'number' && Number.isSafeInteger(o.retentionMs)))) {
      return { success: true, data: { groupId: o.groupId, retentionMs: o.retentionMs } }
    }
    return { success: false, error: { issues: [{ path: ['retentionMs'], message: 'malformed' }] } }
  },
}
