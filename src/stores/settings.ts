import { defineStore } from 'pinia'
import { ref, watch, watchEffect } from 'vue'
import { readStored } from '@/offline/stored'
import { FONT_SCALES, SETTINGS_KEY } from '@/shell/keys'

export type Locale = 'zh-CN' | 'en'

const STORAGE_KEY = SETTINGS_KEY
export { FONT_SCALES }

interface Persisted { locale: Locale, fontScale: number }

function load(): Partial<Persisted> {
  return readStored<Partial<Persisted>>(STORAGE_KEY, {})
}

/**
 * iOS hands a page its Dynamic Type size only through the `-apple-system-body` font keyword
 * (17 px at the default setting), never through the root size: measure it and give it to the
 * root as a share of the default, so 17 px reads as 100%. Elsewhere the browser's own root
 * size already carries the phone's setting ('100%').
 */
function osTextSize(): string {
  if (typeof CSS === 'undefined' || !CSS.supports('font', '-apple-system-body') || !CSS.supports('-webkit-touch-callout', 'none'))
    return '100%'
  const probe = document.createElement('div')
  probe.style.font = '-apple-system-body'
  document.documentElement.appendChild(probe)
  const px = Number.parseFloat(getComputedStyle(probe).fontSize)
  probe.remove()
  return px > 0 ? `${(px / 17) * 100}%` : '100%'
}

/** Device preferences, kept in localStorage (not in the account: they belong to the phone). */
export const useSettingsStore = defineStore('settings', () => {
  const saved = load()
  const locale = ref<Locale>(saved.locale === 'en' ? 'en' : 'zh-CN')
  const fontScale = ref<number>(FONT_SCALES.includes(saved.fontScale as never) ? saved.fontScale! : 1)
  const osText = ref(osTextSize())

  watch([locale, fontScale], () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ locale: locale.value, fontScale: fontScale.value }))
  })

  // The whole app's text follows the root (src/styles/main.css): set before the first render.
  watchEffect(() => {
    const root = document.documentElement.style
    root.setProperty('--app-font-scale', String(fontScale.value))
    if (osText.value === '100%')
      root.removeProperty('--app-os-text')
    else
      root.setProperty('--app-os-text', osText.value)
  }, { flush: 'sync' })
  // Text Size changed in iOS Settings while the app was in the background
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible')
      osText.value = osTextSize()
  })

  return { locale, fontScale }
})
