// Not a module: vite.config.ts (firstScreenShell) inlines this function at the top of index.html's
// head, so it runs before anything paints. It picks which static first screen the page shows
// (index.html, #app-shell) until the app takes over, and puts the member's own settings on it:
// - dark mode when the system is dark (the app then keeps it in step: useDarkTheme);
// - the 字号 (--app-font-scale, as src/stores/settings.ts sets it) and the saved locale;
// - signed out: the sign-in screen; a returning member on home: the home they saw last
//   (src/offline/home-cache.ts, kept only for this build and locale) or else its skeleton.
// Plain ES2017 and defensive: an error here must never stop the app.
(function (cfg) {
  try {
    var root = document.documentElement
    if (matchMedia('(prefers-color-scheme: dark)').matches)
      root.classList.add('van-theme-dark')
    var read = function (key) {
      try { return JSON.parse(localStorage.getItem(key) || 'null') }
      catch (e) { return null }
    }
    var settings = read(cfg.settingsKey) || {}
    if (cfg.fontScales.indexOf(settings.fontScale) >= 0)
      root.style.setProperty('--app-font-scale', String(settings.fontScale))
    var locale = settings.locale === 'en' ? 'en' : 'zh-CN'
    root.lang = locale
    var session = read(cfg.authKey)
    var user = session && session.access_token && session.user && session.user.id
    var path = location.pathname
    var shell = 'none'
    if (!user)
      shell = cfg.publicPaths.indexOf(path) >= 0 && path !== '/login' ? 'none' : 'login'
    else if (path === '/') {
      var home = read(cfg.homePrefix + user)
      if (home && home.html && cfg.build && home.build === cfg.build && home.locale === locale) {
        window[cfg.htmlGlobal] = home.html
        shell = 'snapshot'
      }
      else {
        shell = 'home'
      }
    }
    root.setAttribute('data-shell', shell)
  }
  catch (e) {}
})
