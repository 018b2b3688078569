// Not a module: vite.config.ts (firstScreenShell) inlines this right after #app-shell in
// index.html. The shell's text is zh-CN in the HTML; for a phone set to English it takes the
// strings the build gave it from src/locales/en. And it puts the member's last home in place.
// Plain ES2017 and defensive: an error here must never stop the app.
// eslint-disable-next-line no-unused-expressions -- the file is this one function expression, whose source vite.config.ts inlines
(function (en, htmlGlobal) {
  try {
    const shell = document.getElementById('app-shell')
    const html = window[htmlGlobal]
    if (html)
      shell.querySelector('.app-shell__snapshot').innerHTML = html
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
})
