import type { Pinia } from 'pinia'
import type { App } from 'vue'
import type { Router } from 'vue-router'

/** Each file in src/modules exports `install(ctx)`; src/main.ts runs them in order. */
export interface ModuleContext {
  app: App
  router: Router
  pinia: Pinia
}

export type AppModule = (ctx: ModuleContext) => void | Promise<void>
