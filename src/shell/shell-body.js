// Not a module: vite.config.ts (firstScreenShell) inlines this right after #app-shell in
// index.html. The shell's text is zh-CN in the HTML; for a phone set to English it takes the
// strings the build gave it from src/locales/en. And it puts the member's last home in place, with
// the style rules it was drawn with, so that it paints before any stylesheet has arrived.
// That home is HTML read back from localStorage, drawn from what members typed (titles, names).
// Vue escaped it when it was rendered, but what is read back is not trusted: keptHome parses it in
// an inert <template> (no script runs, no image loads) and keeps only the elements and attributes
// home is made of, links only to the app's own paths; the rest goes, text staying text. These few
// lines rather than DOMPurify (12 kB gzipped) inlined into every page's first paint.
// Plain ES2017 and defensive: an error here must never stop the app.
// eslint-disable-next-line no-unused-expressions -- the file is this one function expression, whose source vite.config.ts inlines
(function (en, htmlGlobal) {
  try {
    const shell = document.getElementById('app-shell')
    const home = window[htmlGlobal]
    if (home && home.html) {
      if (home.css) {
        const style = document.createElement('style')
        style.textContent = keptStyles(home.css)
        shell.insertBefore(style, shell.firstChild)
      }
      shell.querySelector('.app-shell__snapshot').appendChild(keptHome(home.html))
    }
    delete window[htmlGlobal]
    if (document.documentElement.lang === 'en') {
      shell.querySelectorAll('[data-t]').forEach((el) => {
        el.textContent = en[el.getAttribute('data-t')]
      })
      shell.querySelectorAll('[data-t-placeholder]').forEach((el) => {
        el.setAttribute('placeholder', en[el.getAttribute('data-t-placeholder')])
      })
    }
  }
  // eslint-disable-next-line unused-imports/no-unused-vars -- ES2017 has no `catch {}` without a binding
  catch (e) {}

  // The kept home's style rules (src/offline/used-css.ts), read back as untrusted as its HTML: as
  // text of a <style> nothing can break out of, and nothing in them may load from anywhere but the
  // app's own files (no @import, no url() but /assets/ and data:).
  function keptStyles(css) {
    return String(css).replace(/@import[^;]*;?/gi, '').replace(/url\((?!\s*['"]?(?:\/assets\/|data:))[^)]*\)/gi, 'none')
  }

  function keptHome(source) {
    const tags = /^(?:div|span|[paibg]|strong|em|small|h[1-6]|ul|ol|li|main|section|article|header|footer|nav|button|label|svg|circle|path)$/
    // data-v-<hash>: the marks Vue's scoped styles select on; without them the kept home is laid
    // out unlike the app's (its bars unstyled), and the app's first paint counts as a new, larger one
    const attrs = /^(?:class|style|role|tabindex|type|disabled|title|viewbox|cx|cy|r|d|fill|stroke|stroke-width|aria-[a-z-]+|data-v-[0-9a-f]{8})$/
    const template = document.createElement('template')
    template.innerHTML = source
    const clean = function (parent) {
      Array.prototype.slice.call(parent.childNodes).forEach((node) => {
        if (node.nodeType === 3)
          return
        if (node.nodeType !== 1 || !tags.test(node.localName)) {
          parent.removeChild(node)
          return
        }
        Array.prototype.slice.call(node.attributes).forEach((a) => {
          const name = a.name.toLowerCase()
          const keep = name === 'href'
            ? /^\/(?!\/)/.test(a.value) && node.localName === 'a'
            : attrs.test(name) && !(name === 'style' && /url\s*\(|expression|@import/i.test(a.value))
          if (!keep)
            node.removeAttribute(a.name)
        })
        clean(node)
      })
    }
    clean(template.content)
    return template.content
  }
})
