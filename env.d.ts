/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Supabase (or local stack) URL; defaults to the local stack, http://127.0.0.1:54321 */
  readonly VITE_SUPABASE_URL?: string
  /** anon key; defaults to the Supabase CLI's well-known local anon key */
  readonly VITE_SUPABASE_ANON_KEY?: string
  /** the push Edge Function's VAPID public key (base64url); unset: no Web Push switch */
  readonly VITE_VAPID_PUBLIC_KEY?: string
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

/** this build's id, injected by vite.config.ts (what a kept home's HTML belongs to) */
declare const __BUILD_ID__: string
