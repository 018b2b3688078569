/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Supabase (or local stack) URL; defaults to the local stack, http://127.0.0.1:54321 */
  readonly VITE_SUPABASE_URL?: string
  /** anon key; defaults to the Supabase CLI's well-known local anon key */
  readonly VITE_SUPABASE_ANON_KEY?: string
}

interface ImportMeta {
  readonly env: ImportMetaEnv
}

/** package.json version, injected by vite.config.ts */
declare const __APP_VERSION__: string

declare module '*.vue' {
  import type { DefineComponent } from 'vue'

  const component: DefineComponent<object, object, unknown>
  export default component
}
