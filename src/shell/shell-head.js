// Not a module: vite.config.ts (firstScreenShell) inlines this function at the top of index.html's
// head, so it runs before anything paints. It picks which static first screen the page shows
// (index.html, #app-shell) until the app takes over, and puts the member's own settings on it:
// - dark mode when the system is dark (the app then keeps it in step: useDarkTheme);
// - the 字号 (--app-font-scale, as src/stores/settings.ts sets it) and the saved locale;
// - signed out: the sign-in screen; a returning member on home: the home they saw last
//   (src/offline/home-cache.ts, kept only for this build and locale) or else its skeleton.
// Plain ES2017 and defensive: an error here must never stop the app.
// eslint-disable-next-line no-unused-expressions -- the file is this one function expression, whose source vite.config.ts inlines
(function (cfg) {
  try {
    const root = document.documentElement
    if (matchMedia('(prefers-color-scheme: dark)').matches)
      root.classList.add('van-theme-dark')
    const read = function (key) {
      try {
        return JSON.parse(localStorage.getItem(key) || 'null')
      }
      // eslint-disable-next-line unused-imports/no-unused-vars -- ES2017 has no `catch {}` without a binding
      catch (e) { return null }
    }
    const settings = read(cfg.settingsKey) || {}
    if (cfg.fontScales.includes(settings.fontScale))
      root.style.setProperty('--app-font-scale', String(settings.fontScale))
    const locale = settings.locale === 'en' ? 'en' : 'zh-CN'
    root.lang = locale
    const session = read(cfg.authKey)
    const user = session && session.access_token && session.user && session.user.id
    const path = location.pathname
    let shell = 'none'
    if (!user) {
      shell = cfg.publicPaths.includes(path) && path !== '/login' ? 'none' : 'login'
    }
    else if (path === '/') {
      const home = read(cfg.homePrefix + user)
      if (home && home.html && cfg.build && home.build === cfg.build && home.locale === locale) {
        window[cfg.htmlGlobal] = { html: home.html, css: home.css }
        shell = 'snapshot'
      }
      else {
        shell = 'home'
      }
    }
    root.setAttribute('data-shell', shell)
  }
  // eslint-disable-next-line unused-imports/no-unused-vars -- ES2017 has no `catch {}` without a binding
  catch (e) {}
})
