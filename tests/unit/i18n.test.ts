import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(__dirname, '../..')
const LOCALES = join(ROOT, 'src/locales')
const SOURCE = 'zh-CN'

interface Tree { [k: string]: string | Tree }

function leaves(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    typeof v === 'string' ? [`${prefix}${k}`] : leaves(v, `${prefix}${k}.`))
}

function load(lang: string): Map<string, Tree> {
  const dir = join(LOCALES, lang)
  return new Map(readdirSync(dir).filter(f => f.endsWith('.json')).map(f =>
    [f.replace(/\.json$/, ''), JSON.parse(readFileSync(join(dir, f), 'utf8')) as Tree]))
}

function keysOf(lang: string): Set<string> {
  return new Set([...load(lang)].flatMap(([area, tree]) => leaves(tree, `${area}.`)))
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f)
    return statSync(p).isDirectory() ? walk(p) : [p]
  })
}

const langs = readdirSync(LOCALES).filter(f => statSync(join(LOCALES, f)).isDirectory())

describe('locales', () => {
  it('has the source language and English', () => {
    expect(langs).toContain(SOURCE)
    expect(langs).toContain('en')
  })

  it.each(langs.filter(l => l !== SOURCE))('%s has exactly the keys of zh-CN', (lang) => {
    const source = keysOf(SOURCE)
    const other = keysOf(lang)
    expect([...source].filter(k => !other.has(k)), `missing in ${lang}`).toEqual([])
    expect([...other].filter(k => !source.has(k)), `only in ${lang}`).toEqual([])
  })

  it.each(langs)('%s has the same area files as zh-CN', (lang) => {
    expect([...load(lang).keys()].sort()).toEqual([...load(SOURCE).keys()].sort())
  })

  it.each(langs)('%s messages use no unescaped "@" (vue-i18n reads it as a link)', (lang) => {
    const bad = [...load(lang)].flatMap(([area, tree]) => leaves(tree, `${area}.`).filter((k) => {
      const v = k.split('.').slice(1).reduce<string | Tree>((t, p) => (t as Tree)[p]!, tree)
      return typeof v === 'string' && /@(?![.:]?[a-z]*\{)/i.test(v.replace(/\{'@'\}/g, ''))
    }))
    expect(bad).toEqual([])
  })

  it('every literal t(\'…\') key used in src exists in zh-CN', () => {
    const keys = keysOf(SOURCE)
    const prefixes = new Set([...keys].flatMap(k => k.split('.').slice(0, -1).map((_, i, a) => a.slice(0, i + 1).join('.'))))
    const missing: string[] = []
    for (const file of walk(join(ROOT, 'src')).filter(f => /\.(?:vue|ts)$/.test(f))) {
      const text = readFileSync(file, 'utf8')
      // t('a.b'), $t("a.b"), te('a.b') and meta titles `title: 'a.b'`; template literals are skipped.
      for (const m of text.matchAll(/\b(?:\$?t|te)\(\s*['"]([\w.-]+)['"]/g)) {
        const key = m[1]!
        if (!keys.has(key) && !prefixes.has(key))
          missing.push(`${relative(ROOT, file)}: ${key}`)
      }
      for (const m of text.matchAll(/\b(?:title|label):\s*'([a-z_]+\.[\w.]+)'/g)) {
        if (!keys.has(m[1]!))
          missing.push(`${relative(ROOT, file)}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('every kind of offline write has its label (`<area>.outbox.<kind>`), shown when the server refuses one', () => {
    const keys = keysOf(SOURCE)
    const senders = walk(join(ROOT, 'src/offline/senders')).filter(f => f.endsWith('.ts'))
    const kinds = senders.flatMap(f => [...readFileSync(f, 'utf8').matchAll(/registerSender\(\s*'([\w.]+)'/g)].map(m => m[1]!))
    expect(kinds.length).toBeGreaterThan(0)
    // src/components/common/OutboxFailedList.vue: readings.tick → readings.outbox.tick
    const label = (kind: string) => {
      const [area, ...rest] = kind.split('.')
      return `${area}.outbox.${rest.join('_')}`
    }
    expect(kinds.map(label).filter(k => !keys.has(k))).toEqual([])
  })
})
