import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { inboxUnread, watchInbox } from '@/api/inbox'
import { whenIdle } from '@/modules/idle'
import { useSessionStore } from './session'

/**
 * The unread count of the tab bar and home. Read when the member signs in and whenever the app
 * comes back to the foreground (that read also writes the reminders now due: there is no cron),
 * and kept live through the member's private channel. On home it arrives with home_summary
 * (`arriving`), so opening the app there costs one call; elsewhere it is asked for itself.
 */
export const useInboxStore = defineStore('inbox', () => {
  const unread = ref(0)
  const session = useSessionStore()
  /** whose count another answer brings (or brought): then there is no need to ask for it */
  let brought: { user: string | null, settled: boolean, ok: boolean } | null = null
  /** whether start() has run (the count is then asked for when no other answer brings it) */
  let started = false

  /** A count on its way with another answer (home_summary) for the member signed in now. */
  function arriving(count: Promise<unknown>) {
    const mark = { user: session.userId, settled: false, ok: false }
    brought = mark
    count.then((n) => {
      if (typeof n !== 'number')
        throw new TypeError('no count')
      mark.ok = true
      if (brought === mark && session.userId === mark.user)
        unread.value = n
    }).catch(() => {
      // that answer failed (offline) or had no count: ask for it ourselves, if already started
      if (brought === mark && started && session.userId)
        void refresh()
    }).finally(() => {
      mark.settled = true
    })
  }
  const countComing = (id: string) => !!brought && brought.user === id && (!brought.settled || brought.ok)

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

  let unwatch: (() => void) | null = null
  function start() {
    if (started)
      return
    started = true
    watch(() => session.userId, (id) => {
      unwatch?.()
      unwatch = null
      if (!countComing(id ?? ''))
        unread.value = 0
      if (!id)
        return
      // not in the first screen's work: the live channel loads supabase-js
      whenIdle(() => {
        if (session.userId !== id || unwatch)
          return
        if (!countComing(id))
          void refresh()
        unwatch = watchInbox(id, (n) => {
          unread.value = n
        })
      }, 3000)
    }, { immediate: true })
    document.addEventListener('visibilitychange', onVisible)
  }

  return { unread, refresh, start, arriving }
})
