import { computed, ref } from 'vue'
import { removePushSubscription, savePushSubscription, VAPID_PUBLIC_KEY } from '@/api/push'
import { newId } from '@/offline/outbox'

/**
 * Web Push on this phone, where the browser has it (service worker + PushManager + Notification;
 * WeChat's in-app browser and many mainland browsers have not). An addition to the inbox: the
 * switch only appears where it can work.
 */
export type PushState = 'unsupported' | 'unconfigured' | 'denied' | 'off' | 'on' | 'busy'

const ID_KEY = 'xxdzz-push-id'

export function pushSupported(): boolean {
  return typeof window !== 'undefined' && 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
}

function keyBytes(b64u: string): Uint8Array {
  const b64 = b64u.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(b64u.length / 4) * 4, '=')
  return Uint8Array.from(atob(b64), c => c.charCodeAt(0))
}

const b64u = (buf: ArrayBuffer | null) => buf ? btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') : ''

export function usePush(lang: () => string) {
  const state = ref<PushState>('busy')
  const error = ref(false)

  async function registration() {
    return navigator.serviceWorker.getRegistration()
  }

  async function check() {
    if (!pushSupported()) {
      state.value = 'unsupported'
      return
    }
    if (!VAPID_PUBLIC_KEY) {
      state.value = 'unconfigured'
      return
    }
    if (Notification.permission === 'denied') {
      state.value = 'denied'
      return
    }
    const sub = await (await registration())?.pushManager.getSubscription().catch(() => null)
    state.value = sub ? 'on' : 'off'
  }

  async function turnOn() {
    error.value = false
    state.value = 'busy'
    try {
      if (await Notification.requestPermission() !== 'granted') {
        state.value = Notification.permission === 'denied' ? 'denied' : 'off'
        return
      }
      const reg = await navigator.serviceWorker.ready
      const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(VAPID_PUBLIC_KEY) as BufferSource })
      // one id per subscription, kept so a retry after a lost answer saves the same row
      const id = localStorage.getItem(ID_KEY) ?? newId()
      localStorage.setItem(ID_KEY, id)
      await savePushSubscription(id, { endpoint: sub.endpoint, p256dh: b64u(sub.getKey('p256dh')), auth: b64u(sub.getKey('auth')) }, lang())
      state.value = 'on'
    }
    catch {
      error.value = true
      await check()
    }
  }

  async function turnOff() {
    error.value = false
    state.value = 'busy'
    try {
      const sub = await (await registration())?.pushManager.getSubscription()
      if (sub) {
        await removePushSubscription(sub.endpoint)
        await sub.unsubscribe()
      }
      localStorage.removeItem(ID_KEY)
      state.value = 'off'
    }
    catch {
      error.value = true
      await check()
    }
  }

  const on = computed(() => state.value === 'on')
  return { state, on, error, check, turnOn, turnOff }
}
