import type { AppModule } from './modules/types'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { install as i18n } from './modules/i18n'
import { install as outbox } from './modules/outbox'
import { install as pwa } from './modules/pwa'
import { install as guards } from './modules/router-guards'
import { createAppRouter } from './router'
// Vant's function APIs (showToast, showDialog, showNotify) need their styles imported by hand;
// components used in templates get theirs from the resolver in vite.config.ts.
import 'vant/es/toast/style/index'
import 'vant/es/dialog/style/index'
import 'vant/es/notify/style/index'
import './styles/main.css'

async function main() {
  const app = createApp(App)
  const pinia = createPinia()
  const router = createAppRouter()
  app.use(pinia)
  // Order matters: i18n first (guards set titles), guards before the router starts.
  const modules: AppModule[] = [i18n, guards, pwa, outbox]
  for (const install of modules)
    await install({ app, router, pinia })
  app.use(router)
  await router.isReady()
  // Start-up and the first render as two tasks rather than one long one: a cheap phone stays
  // responsive to the first tap.
  await new Promise(resolve => setTimeout(resolve, 0))
  app.mount('#app')
}

void main()
