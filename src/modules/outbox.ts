import type { ModuleContext } from './types'
import { outbox } from '@/offline/outbox'

// Each src/offline/senders/<area>.ts calls registerSender(kind, fn) when imported. They are
// loaded at start so that entries queued in an earlier visit can be sent before any page opens.
import.meta.glob('../offline/senders/*.ts', { eager: true })

export function install(_ctx: ModuleContext) {
  if (typeof indexedDB === 'undefined')
    return
  void outbox.start().catch(() => {})
}
