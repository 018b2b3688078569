// @vitest-environment happy-dom
import { flushPromises, mount } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { linkify } from './linkify'
import TopicPostBody from './TopicPostBody.vue'

// Classic payloads: each must come out as the very text typed, with nothing that runs.
const PAYLOADS = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '<svg onload="window.__pwned=1"><circle r=1 /></svg>',
  '<svg><script>window.__pwned=1</script></svg>',
  '<a href="javascript:window.__pwned=1">点我</a>',
  'javascript:window.__pwned=1',
  '<iframe src="javascript:window.__pwned=1"></iframe>',
  '<body onload=window.__pwned=1>',
  '"><img src=x onerror=window.__pwned=1>',
  '<math><mtext><table><mglyph><style><img src=x onerror=window.__pwned=1>',
  '<div style="background:url(javascript:window.__pwned=1)">x</div>',
  'http://example.com/"onmouseover="window.__pwned=1',
  '<a href="https://ok.example" onclick="window.__pwned=1">link</a>',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  '{{ constructor.constructor("window.__pwned=1")() }}',
]

afterEach(() => {
  delete (window as unknown as Record<string, unknown>).__pwned
})

describe('TopicPostBody (XSS)', () => {
  it.each(PAYLOADS)('renders %s as text, nothing executes', async (payload) => {
    const w = mount(TopicPostBody, { props: { text: `前文\n${payload}\n后文` }, attachTo: document.body })
    // what rendered is checked below: no element but <br>/<a>, no on* attribute, no script URL, so
    // nothing can run later; flushing lets anything queued now run before __pwned is read
    await flushPromises()
    const root = w.element as HTMLElement
    expect(root.textContent).toBe(`前文${payload}后文`)
    // only text, <br> and <a> ever appear
    const tags = [...root.querySelectorAll('*')].map(e => e.tagName.toLowerCase())
    expect(tags.every(t => t === 'br' || t === 'a')).toBe(true)
    for (const el of root.querySelectorAll('*')) {
      for (const attr of el.getAttributeNames())
        expect(attr.startsWith('on'), `${attr} on <${el.tagName}>`).toBe(false)
    }
    for (const a of root.querySelectorAll('a')) {
      expect(a.getAttribute('href')).toMatch(/^https?:\/\//)
      expect(a.getAttribute('rel')).toContain('noopener')
    }
    expect((window as unknown as Record<string, unknown>).__pwned).toBeUndefined()
    w.unmount()
  })

  it('keeps line breaks and makes http(s) links clickable, without trailing punctuation', () => {
    const w = mount(TopicPostBody, { props: { text: '见 https://www.gov.cn/a?b=1。\n第二行 http://x.example/p, 结束' } })
    const links = w.findAll('a')
    expect(links.map(a => a.attributes('href'))).toEqual(['https://www.gov.cn/a?b=1', 'http://x.example/p'])
    expect(w.findAll('br')).toHaveLength(1)
  })

  it('never links other schemes', () => {
    expect(linkify('javascript:alert(1) data:text/html,x vbscript:x ftp://x').every(s => s.kind !== 'link')).toBe(true)
  })

  it('does not call any HTML sink', () => {
    const spy = vi.spyOn(Element.prototype, 'innerHTML', 'set')
    mount(TopicPostBody, { props: { text: '<b>粗</b>' } })
    expect(spy).not.toHaveBeenCalled()
    spy.mockRestore()
  })
})
