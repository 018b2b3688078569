// Types for the type check (npm run typecheck) of this Deno function and of its Node test:
// web-push ships none (and @types/web-push's overloads do not match the narrow WebPushLike the
// sender takes), and Deno's `npm:` specifiers name the same packages Node resolves by name.
declare module 'web-push' {
  import type { WebPushLike } from './send'

  const webpush: WebPushLike & { generateVAPIDKeys: () => { publicKey: string, privateKey: string } }
  export default webpush
}
declare module 'npm:web-push@3.6.7' {
  import webpush from 'web-push'

  export default webpush
}
declare module 'npm:@supabase/supabase-js@2' {
  export * from '@supabase/supabase-js'
}
