import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'

export type Locale = 'zh-CN' | 'en'

const STORAGE_KEY = 'xxdzz-settings'
export const FONT_SCALES = [0.875, 1, 1.125, 1.25, 1.375, 1.5] as const

interface Persisted { locale: Locale, fontScale: number }

function load(): Partial<Persisted> {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<Persisted>
  }
  catch {
    return {}
  }
}

/** Device preferences, kept in localStorage (not in the account: they belong to the phone). */
export const useSettingsStore = defineStore('settings', () => {
  const saved = load()
  const locale = ref<Locale>(saved.locale === 'en' ? 'en' : 'zh-CN')
  const fontScale = ref<number>(FONT_SCALES.includes(saved.fontScale as never) ? saved.fontScale! : 1)

  watch([locale, fontScale], () => {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ locale: locale.value, fontScale: fontScale.value }))
  })

  /** CSS for the reader: `:style="settings.readerStyle"`. */
  const readerStyle = computed(() => ({ '--reader-font-scale': String(fontScale.value) }))

  return { locale, fontScale, readerStyle }
})
