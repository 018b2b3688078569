import { onScopeDispose, ref } from 'vue'

/** navigator.onLine as a ref. */
export function useOnline() {
  const online = ref(typeof navigator === 'undefined' ? true : navigator.onLine !== false)
  const up = () => (online.value = true)
  const down = () => (online.value = false)
  window.addEventListener('online', up)
  window.addEventListener('offline', down)
  onScopeDispose(() => {
    window.removeEventListener('online', up)
    window.removeEventListener('offline', down)
  })
  return { online }
}
