// Where the local GoTrue "sends" SMS: kept in memory, printed in the log and listed at /sms (HTML,
// newest first) and /sms.json, the way the CLI's mail catcher lists e-mail. Only the local stack
// has it; on Supabase the Send SMS hook or a provider delivers (README: "Phone sign-in").
import type { ServerResponse } from 'node:http'
import { sendJson } from './http'

export interface SmsMessage {
  id: number
  phone: string
  body: string
  /** the code alone, so a test need not parse the template */
  otp: string
  /** 'confirmation' | 'phone_change' */
  kind: string
  sent_at: string
}

const KEEP = 200

export class SmsOutbox {
  private messages: SmsMessage[] = []
  private nextId = 1
  constructor(private readonly now: () => number, private readonly log: (line: string) => void = line => console.log(line)) {}

  deliver(phone: string, body: string, otp: string, kind: string): void {
    const m: SmsMessage = { id: this.nextId++, phone, body, otp, kind, sent_at: new Date(this.now()).toISOString() }
    this.messages.unshift(m)
    if (this.messages.length > KEEP)
      this.messages.length = KEEP
    this.log(`[sms] to +${phone}: ${body}`)
  }

  /** Newest first; `phone` filters to one number (digits, '+' optional). */
  list(phone?: string): SmsMessage[] {
    const p = phone?.replace(/^\+/, '')
    return p ? this.messages.filter(m => m.phone === p) : [...this.messages]
  }

  respond(res: ServerResponse, format: 'html' | 'json', phone?: string): void {
    const list = this.list(phone)
    if (format === 'json')
      return sendJson(res, 200, list, { 'Cache-Control': 'no-store' })
    const esc = (s: string): string => s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
    const rows = list.map(m => `<tr><td>${esc(m.sent_at)}</td><td>+${esc(m.phone)}</td><td>${esc(m.kind)}</td><td>${esc(m.body)}</td></tr>`).join('')
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>SMS outbox (local stack)</title><style>body{font:16px system-ui,sans-serif;margin:16px}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left;vertical-align:top}</style></head>
<body><h1>SMS outbox</h1><p>Messages the local stack would have sent, newest first. Reload to see new ones. <a href="/sms.json">JSON</a></p>
<table><thead><tr><th>Sent (UTC)</th><th>To</th><th>Kind</th><th>Message</th></tr></thead><tbody>${rows || '<tr><td colspan="4">No messages yet.</td></tr>'}</tbody></table></body></html>`
    if (res.headersSent)
      return
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': String(Buffer.byteLength(html)), 'Cache-Control': 'no-store' })
    res.end(res.req.method === 'HEAD' ? undefined : html)
  }
}
