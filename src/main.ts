import type { AppModule } from './modules/types'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { install as i18n } from './modules/i18n'
import { yieldToMain } from './modules/idle'
import { install as outbox } from './modules/outbox'
import { install as pwa } from './modules/pwa'
import { install as guards } from './modules/router-guards'
import { stylesLoaded } from './modules/shell'
import { install as textSize } from './modules/text-size'
import { createAppRouter } from './router'
// Vant's function APIs (showToast, showDialog, showNotify) need their styles imported by hand;
// components used in templates get theirs from the resolver in vite.config.ts.
import 'vant/es/toast/style/index'
import 'vant/es/dialog/style/index'
import 'vant/es/notify/style/index'
import './styles/main.css'
import './styles/theme.css'

// Start-up runs as several short tasks, not one long one (evaluating the modules, creating the
// app, installing its modules, the first navigation, the first render): on a cheap phone a task
// of a few hundred milliseconds is a page that ignores the first tap.
async function main() {
  await yieldToMain()
  const app = createApp(App)
  const pinia = createPinia()
  const router = createAppRouter()
  app.use(pinia)
  await yieldToMain()
  // Order matters: i18n first (guards set titles), guards before the router starts.
  const modules: AppModule[] = [i18n, guards, textSize, pwa, outbox]
  for (const install of modules)
    await install({ app, router, pinia })
  await yieldToMain()
  app.use(router)
  await router.isReady()
  await stylesLoaded()
  await yieldToMain()
  app.mount('#app')
}

void main()
