// Not a module: vite.config.ts (preloadFirstScreen) inlines this function into index.html's head,
// called with the build's plan, so it runs before any script has downloaded. It starts what the
// first screen will need a round trip earlier than the app could:
// - its chunks and styles (for a stored session on `/`, home; signed out, sign-in);
// - on home, with a stored token still comfortably valid, the home summary itself, whose answer
//   the app's first `rpc('home_summary')` takes (src/api/client.ts, fetchFor);
// and, when the static shell shows the member's last home (src/shell/shell-head.js), that home's
// styles as render-blocking sheets, since the kept HTML is drawn with them.
// Plain ES2017 and defensive: an error here must never stop the app.
// eslint-disable-next-line no-unused-expressions -- the file is this one function expression, whose source vite.config.ts inlines
(function (plan, api) {
  try {
    const link = function (href, rel, as) {
      const l = document.createElement('link')
      l.rel = rel
      l.href = href
      if (as)
        l.as = as
      if (as || rel === 'stylesheet')
        l.crossOrigin = '' // as the app's own loader asks for them, so the preload is the one used
      if (rel === 'stylesheet')
        l.setAttribute('blocking', 'render')
      document.head.appendChild(l)
    }
    const kept = document.documentElement.getAttribute('data-shell') === 'snapshot'
    const stored = localStorage.getItem(api.storageKey)
    const home = location.pathname === '/'
    const screens = stored ? (home ? ['home'] : []) : ['login']
    screens.forEach((name) => {
      plan[name][0].forEach((href) => {
        link(href, 'modulepreload')
      })
      plan[name][1].forEach((href) => {
        if (kept)
          link(href, 'stylesheet')
        else
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
})
