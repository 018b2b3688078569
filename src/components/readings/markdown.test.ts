// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { renderMarkdown } from './markdown'

// DOMPurify is only partly effective under happy-dom (it keeps some disallowed tags there), so
// these tests prove what markdown-it guarantees on its own; tests/e2e/readings.spec.ts proves the
// sanitised output in Chromium.
describe('renderMarkdown', () => {
  it('renders Markdown to the tags a reader needs', () => {
    // (headings and quotes are left out: under happy-dom DOMPurify drops <h2> and <blockquote>;
    // Chromium keeps them, see the reader screenshots)
    const html = renderMarkdown('**重点** 和 *强调*\n\n1. 第一\n2. 第二')
    expect(html).toContain('<strong>重点</strong>')
    expect(html).toContain('<ol>')
  })

  it('never lets through scripts, event handlers, images, frames or javascript: links', () => {
    const html = renderMarkdown([
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '![pic](https://cdn.example.com/a.png)',
      '[click](javascript:alert(1))',
      '<iframe src="https://evil.example"></iframe>',
      '<a href="https://x.example" onclick="alert(1)">x</a>',
    ].join('\n\n'))
    // raw HTML is shown as text (escaped), never as elements
    expect(html).not.toMatch(/<script|<img|<iframe|href="javascript:/i)
    expect(html).not.toContain('src="https://cdn.example.com')
    const el = document.createElement('div')
    el.innerHTML = html
    expect(el.querySelectorAll('script, img, iframe, [onclick], [onerror]')).toHaveLength(0)
    expect([...el.querySelectorAll('a')].map(a => a.getAttribute('href'))).not.toContain('javascript:alert(1)')
  })

  it('opens links in a new tab without an opener', () => {
    const html = renderMarkdown('[县教育网](https://edu.example.org/plan)')
    expect(html).toContain('href="https://edu.example.org/plan"')
    expect(html).toContain('rel="noopener noreferrer"')
    expect(html).toContain('target="_blank"')
  })
})
