// Drafts kept per conversation across reloads, in this browser's store (sealed like the rest
// of it). Written a moment after typing stops; cleared when the message is sent.
import type { LocalStore } from '@candor/sdk'

const PREFIX = 'web/draft/'

export interface Draft {
  load(): Promise<string>
  save(text: string): void
}

export function draftOf(store: LocalStore, conversation: string): Draft {
  let timer: ReturnType<typeof setTimeout> | undefined
  const key = PREFIX + conversation
  return {
    load: async () => (await store.get(key)) ?? '',
    save(text) {
      clearTimeout(timer)
      timer = setTimeout(() => void (text === '' ? store.delete(key) : store.put(key, text)), text === '' ? 0 : 300)
    },
  }
}
