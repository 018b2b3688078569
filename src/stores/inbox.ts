import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { inboxUnread, watchInbox } from '@/api/inbox'
import { whenIdle } from '@/modules/idle'
import { useSessionStore } from './session'

/**
 * The unread count of the tab bar and home. Read when the member signs in and whenever the app
 * comes back to the foreground (that read also writes the reminders now due: there is no cron),
 * and kept live through the member's private channel.
 */
export const useInboxStore = defineStore('inbox', () => {
  const unread = ref(0)
  const session = useSessionStore()

  async function refresh() {
    if (!session.userId)
      return
    try {
      unread.value = (await inboxUnread()).unread
    }
    catch {
      // offline or refused: keep the last count; the next foreground or broadcast corrects it
    }
  }

  function onVisible() {
    if (document.visibilityState === 'visible')
      void refresh()
  }

  let started = false
  let unwatch: (() => void) | null = null
  function start() {
    if (started)
      return
    started = true
    watch(() => session.userId, (id) => {
      unwatch?.()
      unwatch = null
      unread.value = 0
      if (!id)
        return
      // not in the first screen's work: the live channel loads supabase-js
      whenIdle(() => {
        if (session.userId !== id || unwatch)
          return
        void refresh()
        unwatch = watchInbox(id, (n) => {
          unread.value = n
        })
      }, 3000)
    }, { immediate: true })
    document.addEventListener('visibilitychange', onVisible)
  }

  return { unread, refresh, start }
})
