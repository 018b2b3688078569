import { rpc } from './client'

/** The server's VAPID public key (base64url), set at build time; empty: pushes are not set up. */
export const VAPID_PUBLIC_KEY: string = import.meta.env.VITE_VAPID_PUBLIC_KEY ?? ''

export interface PushKeys { endpoint: string, p256dh: string, auth: string }

/** Saves this browser's subscription for me; `id` is made on the phone, so a retry never doubles it. */
export function savePushSubscription(id: string, sub: PushKeys, lang: string): Promise<{ id: string, endpoint: string }> {
  return rpc('push_subscribe', { p_id: id, p_endpoint: sub.endpoint, p_p256dh: sub.p256dh, p_auth: sub.auth, p_lang: lang })
}

export function removePushSubscription(endpoint: string): Promise<{ removed: boolean }> {
  return rpc('push_unsubscribe', { p_endpoint: endpoint })
}
