import DOMPurify from 'dompurify'
import MarkdownIt from 'markdown-it'

// Section texts are Markdown written by secretaries. Raw HTML is not parsed (html: false) and the
// output is sanitised again with a tag allow-list: no images, frames, styles or scripts, so a text
// can neither run code nor load anything from another origin.
const md = new MarkdownIt({ html: false, linkify: true, breaks: false, typographer: false })
// an image would be fetched from wherever its URL points: not rendered at all (its alt text stays)
md.disable('image')

const ALLOWED_TAGS = ['p', 'br', 'strong', 'em', 'b', 'i', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'a', 'code', 'pre', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 's', 'del']

// links open in a new tab, without giving the other page a handle on the app
md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  tokens[idx]!.attrSet('target', '_blank')
  tokens[idx]!.attrSet('rel', 'noopener noreferrer')
  return self.renderToken(tokens, idx, options)
}

export function renderMarkdown(src: string): string {
  return DOMPurify.sanitize(md.render(src), {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ['href', 'target', 'rel'],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#)/i,
  })
}
