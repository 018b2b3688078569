import type { RouteLocationNormalized } from 'vue-router'
import type { ModuleContext } from './types'
import { Locale as VantLocale } from 'vant'
import vantZhCN from 'vant/es/locale/lang/zh-CN'
import { markRaw, watch } from 'vue'
import { createI18n } from 'vue-i18n'
import { useSettingsStore } from '@/stores/settings'

export const LOCALES = ['zh-CN', 'en'] as const
export type AppLocale = typeof LOCALES[number]
export const DEFAULT_LOCALE: AppLocale = 'zh-CN'

type Messages = Record<string, any>

// src/locales/<lang>/<area>.json → messages[lang][area]. The frame's areas ship with the first
// screen in zh-CN; a feature area's strings load when one of its routes is entered
// (/readings… → readings.json, or `meta.i18n: ['sessions']`), or when a component asks (loadAreas).
const eager = import.meta.glob<Messages>('../locales/zh-CN/{common,auth,home,me,errors,offline}.json', { eager: true, import: 'default' })
const lazy = import.meta.glob<Messages>(['../locales/*/*.json', '!../locales/zh-CN/{common,auth,home,me,errors,offline}.json'], { import: 'default' })

const areaOf = (path: string) => path.split('/').pop()!.replace(/\.json$/, '')
const localeOf = (path: string) => path.split('/').slice(-2, -1)[0]!

// Each locale's messages are kept raw (not deeply reactive): vue-i18n would otherwise wrap every
// node of the compiled messages in a reactive proxy, and every translation walks them, which made
// the first render of a screen noticeably slower on a cheap phone. Reactivity comes from replacing
// a locale's whole object when an area arrives (addArea).
export const i18n = createI18n({
  legacy: false,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { [DEFAULT_LOCALE]: markRaw(Object.fromEntries(Object.entries(eager).map(([p, m]) => [areaOf(p), m]))) } as Record<string, Messages>,
  missingWarn: !import.meta.env.PROD,
  fallbackWarn: false,
})

function addArea(locale: string, area: string, messages: Messages) {
  const current = i18n.global.getLocaleMessage(locale) as Messages
  i18n.global.setLocaleMessage(locale, markRaw({ ...current, [area]: messages }))
}

const loaded = new Set(Object.keys(eager).map(p => `${DEFAULT_LOCALE}/${areaOf(p)}`))

/** Load some areas' strings for a locale. */
async function loadAreas(locale: string, areas: string[]): Promise<void> {
  const todo = Object.entries(lazy).filter(([p]) =>
    localeOf(p) === locale && !loaded.has(`${locale}/${areaOf(p)}`) && areas.includes(areaOf(p)))
  await Promise.all(todo.map(async ([p, load]) => {
    const messages = await load()
    addArea(locale, areaOf(p), messages)
    loaded.add(`${locale}/${areaOf(p)}`)
  }))
}

/** The areas a route needs: its first path segment, plus `meta.i18n`. */
export function routeAreas(to: RouteLocationNormalized): string[] {
  return [to.path.split('/')[1] ?? '', ...(to.meta.i18n ?? [])].filter(Boolean)
}

/** Make sure some areas' strings are there (zh-CN as the fallback, and the current locale). */
export function ensureAreas(areas: string[]): Promise<unknown> {
  const locale = i18n.global.locale.value
  return Promise.all([loadAreas(DEFAULT_LOCALE, areas), locale !== DEFAULT_LOCALE ? loadAreas(locale, areas) : null])
}

/** Make sure a route's strings are there. */
export function ensureRouteMessages(to: RouteLocationNormalized): Promise<unknown> {
  return ensureAreas(routeAreas(to))
}

export async function setLocale(locale: AppLocale): Promise<void> {
  // The frame's areas and every area already loaded in zh-CN.
  const areas = ['common', 'auth', 'home', 'me', 'errors', 'offline', ...[...loaded].map(k => k.split('/')[1]!)]
  await loadAreas(locale, areas)
  if (locale === 'en') {
    const en = await import('vant/es/locale/lang/en-US')
    VantLocale.use('en-US', en.default)
  }
  else {
    VantLocale.use('zh-CN', vantZhCN) // Vant's default, already in the entry
  }
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
}

export async function install({ app, router }: ModuleContext) {
  app.use(i18n)
  const settings = useSettingsStore()
  watch(() => settings.locale, l => setLocale(l))
  if (settings.locale !== DEFAULT_LOCALE)
    await setLocale(settings.locale)
  // Only what the route needs: merging every area's messages at start is a long task on a cheap
  // phone. Offline, the service worker has every locale chunk precached.
  // Fetched alongside the route's own chunk (started before, awaited after components resolve).
  let messages: Promise<unknown> = Promise.resolve()
  router.beforeEach((to) => {
    messages = ensureRouteMessages(to)
  })
  router.beforeResolve(() => messages.then(() => undefined))
}
