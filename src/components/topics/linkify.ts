/** A piece of a post's plain text: words, a line break, or an http(s) link. */
export type Segment
  = | { kind: 'text', text: string }
    | { kind: 'br' }
    | { kind: 'link', text: string, href: string }

// http(s) only: no javascript:, data: or other schemes ever become links.
const URL_RE = /\bhttps?:\/\/[^\s<>"'\u3001-\u303F\uFF00-\uFFEF]+/gi
// punctuation that usually ends a sentence rather than a URL
const TRAILING = /[.,;:!?)\]}'"]+$/

/**
 * Splits plain text into segments the component renders as text nodes and <a> elements
 * (never HTML): whatever a member types stays text.
 */
export function linkify(text: string): Segment[] {
  const out: Segment[] = []
  const lines = text.split(/\r?\n/)
  lines.forEach((line, i) => {
    if (i > 0)
      out.push({ kind: 'br' })
    let at = 0
    for (const m of line.matchAll(URL_RE)) {
      let url = m[0]
      const trail = url.match(TRAILING)?.[0] ?? ''
      url = url.slice(0, url.length - trail.length)
      const start = m.index ?? 0
      if (start > at)
        out.push({ kind: 'text', text: line.slice(at, start) })
      if (isSafeHref(url))
        out.push({ kind: 'link', text: url, href: url })
      else
        out.push({ kind: 'text', text: url })
      at = start + url.length
    }
    if (at < line.length)
      out.push({ kind: 'text', text: line.slice(at) })
  })
  return out
}

export function isSafeHref(url: string): boolean {
  try {
    const u = new URL(url)
    return u.protocol === 'http:' || u.protocol === 'https:'
  }
  catch {
    return false
  }
}
