import type { ModuleContext } from './types'
import { outbox } from '@/offline/outbox'

// Each src/offline/senders/<area>.ts calls registerSender(kind, fn) when imported. They (and the
// API modules they use) are loaded just after the first screen, not with it; entries queued in
// an earlier visit wait in IndexedDB until their sender is registered.
const senders = import.meta.glob('../offline/senders/*.ts')

export function install(_ctx: ModuleContext) {
  if (typeof indexedDB === 'undefined')
    return
  const load = () => {
    void Promise.all(Object.values(senders).map(l => l()))
      .catch(() => {})
      .finally(() => void outbox.start().catch(() => {}))
  }
  if (typeof requestIdleCallback === 'function')
    requestIdleCallback(load, { timeout: 3000 })
  else
    setTimeout(load, 1000)
}
