import type { ModuleContext } from './types'
import { reactive } from 'vue'
import { whenIdle } from './idle'

/**
 * Service worker state. Registered only in production builds and only where the browser has
 * service workers (WeChat's in-app browser may not: the app then simply works online).
 */
export const pwa = reactive({
  supported: typeof navigator !== 'undefined' && 'serviceWorker' in navigator,
  /** a new version is waiting; the user decides when to switch (they may be mid-note) */
  needRefresh: false,
  /** the member said "later" to the prompt; asking for updates in 我的 shows it again */
  dismissed: false,
  offlineReady: false,
  checking: false,
})

let updateSW: ((reload?: boolean) => Promise<void>) | null = null
let registration: ServiceWorkerRegistration | undefined

/** Activate the waiting version and reload. */
export async function applyUpdate() {
  if (updateSW)
    await updateSW(true)
  else
    location.reload()
}

/** Ask the server for a newer version now (我的 → 检查更新). Resolves to whether one is waiting. */
export async function checkForUpdate(): Promise<boolean> {
  if (!registration)
    return false
  pwa.checking = true
  // Asking brings back a prompt the member had put off. Set now, not when the check ends: the
  // member may answer the prompt meanwhile, and that answer stands.
  pwa.dismissed = false
  try {
    await registration.update()
    // give the new worker a moment to install before answering
    await new Promise(r => setTimeout(r, 1500))
    return pwa.needRefresh || registration.waiting !== null
  }
  finally {
    pwa.checking = false
  }
}

export function install(_ctx: ModuleContext) {
  if (!import.meta.env.PROD || !pwa.supported)
    return
  // Workbox's advice: register once the page has loaded, so precaching does not compete with the
  // first screen for a weak connection (or the main thread).
  if (document.readyState === 'complete')
    whenIdle(register, 5000)
  else
    window.addEventListener('load', () => whenIdle(register, 5000), { once: true })
}

function register() {
  import('virtual:pwa-register').then(({ registerSW }) => {
    updateSW = registerSW({
      onNeedRefresh() {
        pwa.needRefresh = true
      },
      onOfflineReady() {
        pwa.offlineReady = true
      },
      onRegisteredSW(_url, r) {
        registration = r
        // Long-lived tabs: look for a new version every hour.
        if (r)
          setInterval(() => r.update().catch(() => {}), 60 * 60 * 1000)
      },
    })
  }).catch(() => {})
}
