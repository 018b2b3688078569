import { onScopeDispose, ref } from 'vue'
import { onReachabilityChange, probeNow, serverReachable } from '@/api/reachability'

/**
 * Whether the app can reach the server: the phone has a network (navigator.onLine) and the
 * server answered the last call made to it (src/api/reachability.ts: on weak signal
 * navigator.onLine stays true while requests fail).
 */
export function useOnline() {
  const now = () => (typeof navigator === 'undefined' || navigator.onLine !== false) && serverReachable()
  const online = ref(now())
  const update = () => (online.value = now())
  const up = () => {
    probeNow()
    update()
  }
  window.addEventListener('online', up)
  window.addEventListener('offline', update)
  const stop = onReachabilityChange(update)
  onScopeDispose(() => {
    window.removeEventListener('online', up)
    window.removeEventListener('offline', update)
    stop()
  })
  return { online }
}
