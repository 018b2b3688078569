// Loaded into the generated service worker (vite.config.ts, workbox.importScripts): shows a
// pushed inbox item (supabase/functions/push builds { title, body, url, tag }) and opens its
// screen when tapped, in the app's window if one is open. Plain ES2017: old WebViews run it.
self.addEventListener('push', function (event) {
  var data = {}
  try {
    data = event.data ? event.data.json() : {}
  }
  catch (e) {}
  var title = typeof data.title === 'string' ? data.title : '学习型党组织'
  event.waitUntil(self.registration.showNotification(title, {
    body: typeof data.body === 'string' ? data.body : '',
    tag: typeof data.tag === 'string' ? data.tag : undefined,
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    data: { url: typeof data.url === 'string' && /^\/[\w/-]*$/.test(data.url) ? data.url : '/inbox' },
  }))
})

self.addEventListener('notificationclick', function (event) {
  event.notification.close()
  var url = new URL((event.notification.data && event.notification.data.url) || '/inbox', self.location.origin).href
  event.waitUntil(self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then(function (list) {
    for (var i = 0; i < list.length; i++) {
      var c = list[i]
      if (new URL(c.url).origin === self.location.origin && 'navigate' in c)
        return c.focus().then(function () { return c.navigate(url) })
    }
    return self.clients.openWindow(url)
  }))
})
