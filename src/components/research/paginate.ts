import type { Collection } from '@/api/research'
import { toBlocks } from './blocks'

// The printed book is laid out here, page by page, instead of leaving page breaks to the print
// engine: each A4 page is a fixed-size box, blocks go into it until one would overflow, and the
// page where each article starts is known before the table of contents is filled in. So the
// contents' page numbers are the pages the PDF really has (checked in tests/e2e/research.spec.ts;
// Chromium has no target-counter(), so CSS alone cannot number a contents page).
// Because pages are boxes, CSS's orphans/widows/break-inside cannot act inside them; the same
// rules are kept here instead: a paragraph that does not fit is split at a line end, with at
// least MIN_LINES lines on each side of the break (else it moves whole to the next page), a
// heading never ends a page without the first lines of what it heads, and the next page does not
// begin with closing punctuation.
// Text goes in through textContent only: nothing in an article can become markup.

/** orphans and widows: never fewer lines of a paragraph than this at a page's foot or head */
const MIN_LINES = 2
/** punctuation that may not begin a line (and so not the part of a paragraph carried over) */
const NO_START = /^[，。、；：？！）》」』”’,.;:?!)\]}…—·%]/

export interface BookLabels { contents: string, foreword: string, printed: string, org: string, page: (n: number) => string }

interface Unit { cls: string, text: string }

function el(tag: string, cls: string, text = ''): HTMLElement {
  const e = document.createElement(tag)
  e.className = cls
  e.textContent = text
  return e
}

export function paginate(root: HTMLElement, c: Collection, l: BookLabels): number[] {
  root.replaceChildren()
  let pageNo = 0
  let body: HTMLElement

  function newPage(header: string, kind = 'book-page') {
    pageNo++
    const page = el('section', kind)
    page.dataset.page = String(pageNo)
    page.append(el('header', 'book-page__header', header))
    body = el('div', 'book-page__body')
    page.append(body)
    page.append(el('footer', 'book-page__footer', kind === 'book-page book-page--cover' ? '' : l.page(pageNo)))
    root.append(page)
    return page
  }
  const overflows = () => body.scrollHeight > body.clientHeight + 1
  function add(u: Unit, header: string) {
    const e = el(u.cls.startsWith('book-h') ? 'h2' : 'p', u.cls, u.text)
    body.append(e)
    if (overflows() && body.childElementCount > 1) {
      e.remove()
      newPage(header)
      body.append(e)
    }
    return e
  }
  const lineCount = (e: HTMLElement) => Math.round(e.getBoundingClientRect().height / Number.parseFloat(getComputedStyle(e).lineHeight))
  /** where to cut `text` at most `k` characters in: not inside a Latin word, not before closing punctuation */
  function cutAt(text: string, k: number) {
    let i = k
    while (i > 0 && NO_START.test(text.slice(i)))
      i--
    if (/\w/.test(text[i - 1] ?? '') && /\w/.test(text[i] ?? '')) {
      const space = text.lastIndexOf(' ', i)
      if (space > i - 30 && space > 0)
        i = space + 1
    }
    return i
  }
  /** a paragraph, split across pages at line ends when it does not fit */
  function addParagraph(text: string, header: string) {
    let rest = text
    let cont = false
    while (rest) {
      const e = el('p', cont ? 'book-p book-p--cont' : 'book-p', rest)
      body.append(e)
      if (!overflows())
        return
      const fresh = body.childElementCount === 1
      // the longest start of it that fits on this page
      let lo = 0
      let hi = rest.length
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2)
        e.textContent = rest.slice(0, mid)
        if (overflows())
          hi = mid - 1
        else lo = mid
      }
      let k = cutAt(rest, lo)
      e.textContent = rest.slice(0, k)
      const here = k > 0 ? lineCount(e) : 0
      if (k > 0 && here >= MIN_LINES) {
        // the part carried over must not be a lone line either: give it one more line from here
        const probe = el('p', 'book-p book-p--cont', rest.slice(k))
        body.append(probe)
        const carried = lineCount(probe)
        probe.remove()
        if (carried < MIN_LINES) {
          k = here - 1 >= MIN_LINES ? cutAt(rest, k - Math.ceil(k / here)) : 0
          e.textContent = rest.slice(0, k)
        }
      }
      if ((k === 0 || lineCount(e) < MIN_LINES) && !fresh) {
        // it moves whole, and a heading just above it goes with it
        e.remove()
        const prev = body.lastElementChild as HTMLElement | null
        const carry = prev?.classList.contains('book-h2') && body.childElementCount > 1 ? prev : null
        newPage(header)
        if (carry)
          body.append(carry)
        continue
      }
      if (k === 0) {
        // a page cannot hold even two of its lines: never loop, place what fits
        k = Math.max(1, lo)
        e.textContent = rest.slice(0, k)
      }
      e.classList.add('book-p--split')
      rest = rest.slice(k)
      cont = true
      newPage(header)
    }
  }

  // cover
  newPage('', 'book-page book-page--cover')
  body!.append(el('p', 'book-cover__org', l.org), el('h1', 'book-cover__title', c.title), el('p', 'book-cover__year', l.printed))

  // foreword
  if (c.foreword.trim()) {
    newPage(c.title)
    add({ cls: 'book-h1', text: l.foreword }, c.title)
    for (const b of toBlocks(c.foreword)) {
      if (b.kind === 'heading')
        add({ cls: 'book-h2', text: b.text }, c.title)
      else addParagraph(b.text, c.title)
    }
  }

  // contents: laid out first with placeholder numbers, filled in once the articles are placed
  newPage(c.title)
  add({ cls: 'book-h1', text: l.contents }, c.title)
  const tocNums: HTMLElement[] = []
  let lastSection: string | null | undefined
  for (const a of c.articles) {
    if (a.section_id !== lastSection && a.section_id) {
      const s = c.sections.find(x => x.id === a.section_id)
      if (s)
        add({ cls: 'book-toc__section', text: s.title }, c.title)
    }
    lastSection = a.section_id
    const row = add({ cls: 'book-toc__row', text: '' }, c.title)
    row.append(el('span', 'book-toc__title', a.title), el('span', 'book-toc__by', `${a.author_name}`), el('span', 'book-toc__num', '000'))
    tocNums.push(row.lastElementChild as HTMLElement)
  }

  // articles, each from a new page, with the running header naming it
  const starts: number[] = []
  for (const a of c.articles) {
    const header = `${c.title} · ${a.title}`
    newPage(header)
    starts.push(pageNo)
    add({ cls: 'book-h1 book-article__title', text: a.title }, header)
    add({ cls: 'book-article__by', text: [a.author_name, a.school, a.position].filter(Boolean).join('　') }, header)
    for (const b of toBlocks(a.body)) {
      if (b.kind === 'heading')
        add({ cls: 'book-h2', text: b.text }, header)
      else addParagraph(b.text, header)
    }
  }
  starts.forEach((n, i) => (tocNums[i]!.textContent = String(n)))
  return starts
}
