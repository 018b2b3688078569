import type { Target } from './send.ts'
// Supabase Edge Function `push`: called by the database (app.push_on_inbox_item, through pg_net,
// as a database webhook) for each new inbox item; pushes it to the member's browsers.
// Secrets (supabase secrets set …): PUSH_WEBHOOK_SECRET (= app.push_settings.secret),
// VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY, VAPID_SUBJECT (mailto: or https:). SUPABASE_URL and
// SUPABASE_SERVICE_ROLE_KEY are set by the platform.
import { createClient } from 'npm:@supabase/supabase-js@2'
import webpush from 'npm:web-push@3.6.7'
import enCommon from '../../../src/locales/en/common.json' with { type: 'json' }
import en from '../../../src/locales/en/inbox.json' with { type: 'json' }
import zhCommon from '../../../src/locales/zh-CN/common.json' with { type: 'json' }
import zh from '../../../src/locales/zh-CN/inbox.json' with { type: 'json' }
import { handlePush } from './send.ts'

declare const Deno: { env: { get: (k: string) => string | undefined }, serve: (h: (req: Request) => Promise<Response>) => void }

const env = (k: string) => Deno.env.get(k) ?? ''
const db = createClient(env('SUPABASE_URL'), env('SUPABASE_SERVICE_ROLE_KEY'), { auth: { persistSession: false } })

Deno.serve(req => handlePush(req, {
  secret: env('PUSH_WEBHOOK_SECRET'),
  vapid: { subject: env('VAPID_SUBJECT'), publicKey: env('VAPID_PUBLIC_KEY'), privateKey: env('VAPID_PRIVATE_KEY') },
  messages: {
    'zh-CN': { appName: zhCommon.app_name, kind: zh.kind },
    'en': { appName: enCommon.app_name, kind: en.kind },
  },
  targets: async (userId) => {
    const { data, error } = await db.rpc('push_targets', { p_user: userId })
    if (error)
      throw error
    return data as Target[]
  },
  gone: async (endpoint) => {
    await db.rpc('push_gone', { p_endpoint: endpoint })
  },
  webpush,
}))
