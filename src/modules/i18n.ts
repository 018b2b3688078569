import type { ModuleContext } from './types'
import { Locale as VantLocale } from 'vant'
import { watch } from 'vue'
import { createI18n } from 'vue-i18n'
import { useSettingsStore } from '@/stores/settings'

export const LOCALES = ['zh-CN', 'en'] as const
export type AppLocale = typeof LOCALES[number]
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'

// eslint-disable-next-line ts/no-explicit-any -- JSON of any shape, checked by tests/unit/i18n.test.ts
type Messages = Record<string, any>

// src/locales/<lang>/<area>.json → messages[lang][area]. zh-CN ships with the first screen;
// other languages load when chosen.
const eager = import.meta.glob<Messages>('../locales/zh-CN/*.json', { eager: true, import: 'default' })
const lazy = import.meta.glob<Messages>(['../locales/*/*.json', '!../locales/zh-CN/*.json'], { import: 'default' })

function areaOf(path: string): string {
  return path.split('/').pop()!.replace(/\.json$/, '')
}

function merge(files: [string, Messages][]): Messages {
  return Object.fromEntries(files.map(([path, m]) => [areaOf(path), m]))
}

export const i18n = createI18n({
  legacy: false,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { [DEFAULT_LOCALE]: merge(Object.entries(eager)) } as Record<string, Messages>,
  missingWarn: !import.meta.env.PROD,
  fallbackWarn: false,
})

const loaded = new Set<string>([DEFAULT_LOCALE])

export async function setLocale(locale: AppLocale): Promise<void> {
  if (!loaded.has(locale)) {
    const files = Object.entries(lazy).filter(([p]) => p.includes(`/locales/${locale}/`))
    const entries = await Promise.all(files.map(async ([p, load]) => [p, await load()] as [string, Messages]))
    i18n.global.setLocaleMessage(locale, merge(entries))
    loaded.add(locale)
  }
  if (locale === 'en') {
    const en = await import('vant/es/locale/lang/en-US')
    VantLocale.use('en-US', en.default)
  }
  else {
    const zh = await import('vant/es/locale/lang/zh-CN')
    VantLocale.use('zh-CN', zh.default)
  }
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
}

export async function install({ app }: ModuleContext) {
  app.use(i18n)
  const settings = useSettingsStore()
  watch(() => settings.locale, l => setLocale(l))
  if (settings.locale !== DEFAULT_LOCALE)
    await setLocale(settings.locale)
}
