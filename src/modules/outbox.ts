import type { ModuleContext } from './types'
import { watch } from 'vue'
import { outbox } from '@/offline/outbox'
import { clearCachedCopies, setCacheOwner } from '@/offline/readings-cache'
import { useSessionStore } from '@/stores/session'
import { whenIdle } from './idle'

// Each src/offline/senders/<area>.ts calls registerSender(kind, fn) when imported. They (and the
// API modules they use) are loaded just after the first screen, not with it; entries queued in
// an earlier visit wait in IndexedDB until their sender is registered.
const senders = import.meta.glob('../offline/senders/*.ts')

export function install({ pinia }: ModuleContext) {
  if (typeof indexedDB === 'undefined')
    return
  const session = useSessionStore(pinia)
  // What was kept for offline reading is the signed-in member's, and leaves the phone with them
  // (an expired session keeps it: the same member signs back in).
  setCacheOwner(() => session.userId)
  watch(() => session.userId, (now, before) => {
    if (before && !now && !session.expired)
      void clearCachedCopies()
  })
  // Opening IndexedDB for the outbox waits until the first screen is up too.
  const load = () => {
    // Writes belong to whoever made them: on a shared phone, the next account never sends them.
    outbox.setOwner(() => session.userId)
    watch(() => session.userId, () => void outbox.flush())
    void Promise.all(Object.values(senders).map(l => l()))
      .catch(() => {})
      .finally(() => void outbox.start().catch(() => {}))
  }
  // Signed out there is nothing to send: the senders (and their API modules) wait for a member.
  const loadForMember = () => {
    if (session.userId)
      return load()
    const stop = watch(() => session.userId, (id) => {
      if (id) {
        stop()
        load()
      }
    })
  }
  whenIdle(loadForMember, 3000)
}
