import type { Collection } from '@/api/research'
import { toBlocks } from './blocks'

// The printed book is laid out here, page by page, instead of leaving page breaks to the print
// engine: each A4 page is a fixed-size box, blocks go into it until one would overflow, and the
// page where each article starts is known before the table of contents is filled in. So the
// contents' page numbers are the pages the PDF really has (checked in tests/e2e/research.spec.ts).
// Text goes in through textContent only: nothing in an article can become markup.

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
  function add(u: Unit, header: string) {
    const e = el(u.cls.startsWith('book-h') ? 'h2' : 'p', u.cls, u.text)
    body.append(e)
    if (body.scrollHeight > body.clientHeight + 1 && body.childElementCount > 1) {
      e.remove()
      newPage(header)
      body.append(e)
    }
    return e
  }

  // cover
  newPage('', 'book-page book-page--cover')
  body!.append(el('p', 'book-cover__org', l.org), el('h1', 'book-cover__title', c.title), el('p', 'book-cover__year', l.printed))

  // foreword
  if (c.foreword.trim()) {
    newPage(c.title)
    add({ cls: 'book-h1', text: l.foreword }, c.title)
    for (const b of toBlocks(c.foreword))
      add({ cls: b.kind === 'heading' ? 'book-h2' : 'book-p', text: b.text }, c.title)
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
    for (const b of toBlocks(a.body))
      add({ cls: b.kind === 'heading' ? 'book-h2' : 'book-p', text: b.text }, header)
  }
  starts.forEach((n, i) => (tocNums[i]!.textContent = String(n)))
  return starts
}
