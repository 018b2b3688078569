// The local stack's address and the Supabase CLI's well-known local anon key (not a secret): what
// the app talks to when VITE_SUPABASE_URL / VITE_SUPABASE_ANON_KEY are unset. Also read by
// vite.config.ts, so nothing here may use import.meta.env.
export const LOCAL_URL = 'http://127.0.0.1:54321'
export const LOCAL_ANON_KEY
  = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0'

/** localStorage key of the auth session (the e2e harness and the bench inject sessions here). */
export const AUTH_STORAGE_KEY = 'xxdzz-auth'

/** Calls whose answers index.html may already have asked for (vite.config.ts, bootFirstScreen). */
export const EARLY_CALLS_GLOBAL = '__xxdzzEarlyCalls'

/** An access token this close to expiry is refreshed first (through supabase-js) rather than sent. */
export const EXPIRY_MARGIN_MS = 60_000
