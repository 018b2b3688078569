// Not a module: vite.config.ts (bootFirstScreen) inlines this function at the end of
// index.html's body, called with the build's plan and its entry. It starts the app's scripts once
// the static first screen (src/shell) has painted its text, not before: on a cheap phone opening the app
// from its cache, the scripts would otherwise arrive at once and run for hundreds of milliseconds
// before anything is drawn. It asks for the entry stylesheet too, and with them it starts what the
// first screen will need a round trip earlier than the app could:
// - its chunks and styles (for a stored session on `/`, home; signed out, sign-in);
// - on home, with a stored token still comfortably valid, the home summary itself, whose answer
//   the app's first `rpc('home_summary')` takes (src/api/client.ts, fetchFor).
// None of it blocks the first paint: the static shell carries its own styles (the kept home its
// used rules, src/shell/shell-body.js; the rest inlined by the build, vite.config.ts).
// Plain ES2017 and defensive: an error here must never stop the app.
// eslint-disable-next-line no-unused-expressions -- the file is this one function expression, whose source vite.config.ts inlines
(function (plan, api, boot) {
  let started = false
  const link = function (href, rel, as) {
    const l = document.createElement('link')
    l.rel = rel
    l.href = href
    l.crossOrigin = '' // as the app's own loader asks for them, so the preload is the one used
    if (as)
      l.as = as
    document.head.appendChild(l)
    return l
  }
  const start = function () {
    if (started)
      return
    started = true
    try {
      // the entry stylesheet, not render-blocking when added from script; the app waits for it
      // (src/modules/shell.ts, stylesLoaded: it finds these by data-app-styles)
      boot.styles.forEach((href) => {
        link(href, 'stylesheet').setAttribute('data-app-styles', '')
      })
      boot.preloads.forEach((href) => {
        link(href, 'modulepreload')
      })
      const stored = localStorage.getItem(api.storageKey)
      const home = location.pathname === '/'
      const screens = stored ? (home ? ['home'] : []) : ['login']
      screens.forEach((name) => {
        plan[name][0].forEach((href) => {
          link(href, 'modulepreload')
        })
        plan[name][1].forEach((href) => {
          link(href, 'preload', 'style')
        })
      })
      const session = stored && home ? JSON.parse(stored) : null
      if (session && session.access_token && session.expires_at * 1000 - Date.now() > api.expiryMarginMs) {
        const answer = fetch(`${api.url}/rest/v1/rpc/home_summary`, {
          method: 'POST',
          headers: { 'apikey': api.anonKey, 'Authorization': `Bearer ${session.access_token}`, 'Content-Type': 'application/json' },
          body: '{}',
        })
        answer.catch(() => {}) // the app reports a failure when it takes the answer
        window[api.earlyCallsGlobal] = { home_summary: answer }
      }
    }
    // eslint-disable-next-line unused-imports/no-unused-vars -- ES2017 has no `catch {}` without a binding
    catch (e) {}
    const entry = document.createElement('script')
    entry.type = 'module'
    entry.crossOrigin = ''
    entry.src = boot.entry
    document.head.appendChild(entry)
  }
  // once the shell's text has painted (a first paint may be its background alone), or after the
  // next frame where paints are not reported; and in any case soon, since a tab opened in the
  // background paints nothing until it is shown
  const types = window.PerformanceObserver && PerformanceObserver.supportedEntryTypes
  if (types && types.includes('paint')) {
    new PerformanceObserver((list) => {
      if (list.getEntries().some(e => e.name === 'first-contentful-paint'))
        setTimeout(start, 0)
    }).observe({ type: 'paint', buffered: true })
  }
  else {
    requestAnimationFrame(() => {
      setTimeout(start, 0)
    })
  }
  setTimeout(start, 300)
})
