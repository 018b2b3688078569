import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { RawData } from 'ws'
import type { StackContext } from './context'
import type { JsonObject, JsonValue } from './http'
import type { Claims } from './jwt'
import type { PhxMessage } from './realtime-codec'
// Supabase Realtime subset over the Phoenix websocket at /realtime/v1/websocket: heartbeats, joins,
// broadcast (client → clients, and from the database via realtime.send), presence, token refresh.
// postgres_changes is refused with a clear reason: the app uses broadcast from the database instead.
import { randomUUID } from 'node:crypto'
import { WebSocket, WebSocketServer } from 'ws'
import { BodyTooLargeError, decodePathSegment, isObject, readBody, sendJson } from './http'
import { MAX_JSON_DEPTH, parseJson, withinDepth } from './json'
import { verifyJwt } from './jwt'
import { mapApiKey } from './keys'
import { authorizeTopic } from './realtime-authz'
import { decodeBinary, decodeText, encode } from './realtime-codec'
import { identify } from './request-auth'

const WEBSOCKET_PATH = '/websocket'
/** setTimeout cannot wait longer than this; the demo keys expire in 2032. */
const MAX_TIMER_MS = 2 ** 31 - 1
/** Supabase Realtime's default max_channels_per_client. */
const MAX_CHANNELS_PER_CLIENT = 100
/** Frames (and so presence metas and broadcast payloads) are capped like request bodies. */
const MAX_FRAME_BYTES = 1024 * 1024

interface Presence { key: string, meta: JsonObject }

interface Subscription {
  conn: Connection
  topic: string
  name: string
  joinRef: string | null
  isPrivate: boolean
  self: boolean
  ack: boolean
  presenceKey: string
  presenceEnabled: boolean
  role: string
  claims: Claims
  /**
   * Private channels only (public ones allow everything): what the RLS probes on realtime.messages
   * allowed, per extension as Supabase checks them; undefined = not probed yet (probed when needed).
   */
  policies?: { broadcastWrite?: boolean, presenceRead?: boolean, presenceWrite?: boolean }
  presence?: Presence
  expiryTimer?: NodeJS.Timeout
}

function flag(v: JsonValue | undefined, fallback: boolean): boolean {
  if (typeof v === 'boolean')
    return v
  if (v === 'true')
    return true
  if (v === 'false')
    return false
  return fallback
}

function obj(v: JsonValue | undefined): JsonObject {
  return isObject(v) ? v : {}
}

const subKey = (name: string, isPrivate: boolean): string => `${isPrivate ? 'private' : 'public'}:${name}`

type TokenCheck = { ok: true, role: string, claims: Claims } | { ok: false, reason: string }

class Connection {
  readonly channels = new Map<string, Subscription>()
  private queue: Promise<void> = Promise.resolve()

  constructor(readonly ws: WebSocket, readonly vsn: '1.0.0' | '2.0.0', readonly apikey: string) {}

  send(m: PhxMessage): void {
    if (this.ws.readyState !== WebSocket.OPEN)
      return
    // Every payload was depth-checked on the way in, but a frame that cannot be encoded must cost
    // this one message, never the handler that was sending it (a close handler, a fan-out loop).
    let frame: string
    try {
      frame = encode(m, this.vsn)
    }
    catch (e) {
      console.error('[realtime] cannot encode', m.event, e instanceof Error ? e.message : e)
      return
    }
    this.ws.send(frame, (e) => {
      if (e)
        console.error('[realtime] send', e.message)
    })
  }

  reply(m: PhxMessage, status: 'ok' | 'error', response: JsonObject): void {
    this.send({ joinRef: m.joinRef, ref: m.ref, topic: m.topic, event: 'phx_reply', payload: { status, response } })
  }

  /** Messages of one socket are handled in order, even though joins wait on the database. */
  enqueue(fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((e: unknown) => console.error('[realtime]', e))
  }
}

export class RealtimeServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  private readonly topics = new Map<string, Set<Subscription>>()
  private readonly connections = new Set<Connection>()
  private unlisten?: () => Promise<void>

  constructor(private readonly ctx: StackContext) {}

  async start(): Promise<void> {
    this.unlisten = await this.ctx.db.listen('realtime_messages', (id) => {
      this.deliverDbMessage(id).catch((e: unknown) => console.error('[realtime] db broadcast', e))
    })
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate()
    this.wss.close()
    await this.unlisten?.()
  }

  /** Called by the HTTP server for upgrades below /realtime/v1. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, subPath: string, query: URLSearchParams): void {
    const reject = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ message: text })}`)
    }
    if (subPath.replace(/\/+$/, '') !== WEBSOCKET_PATH)
      return reject(404, 'Not Found')
    const headerKey = req.headers['x-api-key']
    const apikey = query.get('apikey') ?? (Array.isArray(headerKey) ? headerKey[0] : headerKey)
    if (!apikey)
      return reject(401, 'No API key found in request')
    const vsn = query.get('vsn') === '1.0.0' ? '1.0.0' : '2.0.0'
    this.checkToken(mapApiKey(apikey, this.ctx.keys)).then((check) => {
      if (!check.ok)
        return reject(403, 'Forbidden')
      // The client may have gone while the token was checked.
      if (socket.destroyed)
        return
      this.wss.handleUpgrade(req, socket, head, ws => this.accept(ws, vsn, apikey))
    }).catch((e: unknown) => {
      console.error('[realtime] upgrade', e)
      if (!socket.destroyed)
        reject(500, 'Internal Server Error')
    })
  }

  private accept(ws: WebSocket, vsn: '1.0.0' | '2.0.0', apikey: string): void {
    const conn = new Connection(ws, vsn, apikey)
    this.connections.add(conn)
    // Each handler catches for itself: ws calls them from its own event loop turn, where a throw would
    // end the process.
    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data)
        // Undecodable frames are dropped, as they carry no ref to answer to.
        const msg = isBinary ? decodeBinary(buf) : decodeText(buf.toString('utf8'))
        if (!msg)
          return
        conn.enqueue(() => this.onMessage(conn, msg))
      }
      catch (e) {
        console.error('[realtime] message', e)
      }
    })
    ws.on('close', () => {
      this.connections.delete(conn)
      for (const sub of conn.channels.values()) {
        try {
          this.removeSub(sub)
        }
        catch (e) {
          console.error('[realtime] close', e)
        }
      }
      conn.channels.clear()
    })
    ws.on('error', (e: Error) => console.error('[realtime] socket', e.message))
  }

  private async onMessage(conn: Connection, m: PhxMessage): Promise<void> {
    if (m.topic === 'phoenix' && m.event === 'heartbeat')
      return conn.reply(m, 'ok', {})
    // Bounded before anything is kept or re-encoded for others (presence metas, broadcasts).
    if (!withinDepth(m.payload, MAX_JSON_DEPTH))
      return conn.reply(m, 'error', { reason: `InvalidPayload: nested deeper than ${MAX_JSON_DEPTH} levels` })
    if (m.event === 'phx_join')
      return this.join(conn, m)
    const sub = conn.channels.get(m.topic)
    if (!sub) {
      if (m.event === 'phx_leave')
        return conn.reply(m, 'ok', {})
      return conn.reply(m, 'error', { reason: 'unmatched topic' })
    }
    switch (m.event) {
      case 'phx_leave':
        conn.reply(m, 'ok', {})
        conn.channels.delete(m.topic)
        this.removeSub(sub)
        return
      case 'access_token':
        return this.refreshToken(sub, obj(m.payload).access_token)
      case 'presence':
        return this.presence(sub, m)
      case 'broadcast':
        return this.clientBroadcast(sub, m)
      default:
        conn.reply(m, 'ok', {})
    }
  }

  private async checkToken(token: string): Promise<TokenCheck> {
    const v = await verifyJwt(token, this.ctx.keys)
    if (!v.ok) {
      if (v.expired)
        return { ok: false, reason: `InvalidJWTToken: Token has expired ${v.expiredSecondsAgo ?? 0} seconds ago` }
      return { ok: false, reason: `InvalidJWTToken: ${v.message}` }
    }
    if (typeof v.claims.role !== 'string' || typeof v.claims.exp !== 'number') {
      return { ok: false, reason: 'InvalidJWTToken: Fields `role` and `exp` are required in JWT' }
    }
    return { ok: true, role: v.claims.role, claims: v.claims }
  }

  private async join(conn: Connection, m: PhxMessage): Promise<void> {
    const payload = obj(m.payload)
    const config = obj(payload.config)
    const broadcast = obj(config.broadcast)
    const presence = obj(config.presence)
    const name = m.topic.replace(/^realtime:/, '')
    const isPrivate = flag(config.private, false)
    const pgChanges = Array.isArray(config.postgres_changes) ? config.postgres_changes : []

    const old = conn.channels.get(m.topic)
    if (old) {
      // A rejoin replaces the earlier channel process, as in Phoenix.
      conn.channels.delete(m.topic)
      this.removeSub(old)
    }
    else if (conn.channels.size >= MAX_CHANNELS_PER_CLIENT) {
      return conn.reply(m, 'error', { reason: 'ChannelRateLimitReached: Too many channels' })
    }
    if (pgChanges.length > 0) {
      return conn.reply(m, 'error', {
        reason: 'UnsupportedFeature: the local stack speaks broadcast and presence only; postgres_changes is not available (send from the database with realtime.send)',
      })
    }
    const raw = typeof payload.access_token === 'string' && !payload.access_token.startsWith('sb_') ? payload.access_token : conn.apikey
    const check = await this.checkToken(mapApiKey(raw, this.ctx.keys))
    if (!check.ok)
      return conn.reply(m, 'error', { reason: check.reason })

    const presenceEnabled = flag(presence.enabled, false)
    let policies: Subscription['policies']
    if (isPrivate) {
      // As Supabase: presence rows are probed only when presence is on; either read admits the join.
      const b = await authorizeTopic(this.ctx.db, name, check.role, check.claims, 'broadcast')
      const p = presenceEnabled ? await authorizeTopic(this.ctx.db, name, check.role, check.claims, 'presence') : undefined
      if (!b.read && !p?.read)
        return conn.reply(m, 'error', { reason: `Unauthorized: You do not have permissions to read from this Channel topic: ${name}` })
      policies = { broadcastWrite: b.write, presenceRead: p?.read, presenceWrite: p?.write }
    }
    // The socket may have closed during the checks; its close handler has run, so nothing may be added.
    if (!this.connections.has(conn))
      return
    const presenceKey = typeof presence.key === 'string' && presence.key !== '' ? presence.key : randomUUID()
    const sub: Subscription = {
      conn,
      topic: m.topic,
      name,
      joinRef: m.joinRef,
      isPrivate,
      self: flag(broadcast.self, false),
      ack: flag(broadcast.ack, false),
      presenceKey,
      presenceEnabled,
      role: check.role,
      claims: check.claims,
      policies,
    }
    conn.channels.set(m.topic, sub)
    this.subsOf(name, isPrivate, true).add(sub)
    this.armExpiry(sub)
    conn.reply(m, 'ok', { postgres_changes: [] })
    // Presence buffers diffs until it has a state, so the state must follow the join at once.
    if (sub.presenceEnabled)
      this.sendPresenceState(sub)
  }

  private subsOf(name: string, isPrivate: boolean, create = false): Set<Subscription> {
    const key = subKey(name, isPrivate)
    let set = this.topics.get(key)
    if (!set) {
      set = new Set()
      if (create)
        this.topics.set(key, set)
    }
    return set
  }

  private removeSub(sub: Subscription): void {
    if (sub.expiryTimer)
      clearTimeout(sub.expiryTimer)
    const set = this.subsOf(sub.name, sub.isPrivate)
    set.delete(sub)
    if (set.size === 0)
      this.topics.delete(subKey(sub.name, sub.isPrivate))
    if (sub.presence) {
      const left = sub.presence
      sub.presence = undefined
      this.presenceDiff(sub, undefined, left)
    }
  }

  /** Closes one channel the way Realtime's shutdown_response does: a system error, then phx_close. */
  private shutdown(sub: Subscription, message: string): void {
    sub.conn.send({ joinRef: sub.joinRef, ref: null, topic: sub.topic, event: 'system', payload: { extension: 'system', status: 'error', message, channel: sub.name } })
    sub.conn.send({ joinRef: sub.joinRef, ref: sub.joinRef, topic: sub.topic, event: 'phx_close', payload: {} })
    sub.conn.channels.delete(sub.topic)
    this.removeSub(sub)
  }

  private armExpiry(sub: Subscription): void {
    if (sub.expiryTimer)
      clearTimeout(sub.expiryTimer)
    sub.expiryTimer = undefined
    const exp = typeof sub.claims.exp === 'number' ? sub.claims.exp * 1000 : undefined
    if (exp === undefined)
      return
    const wait = exp - Date.now()
    if (wait > MAX_TIMER_MS)
      return
    sub.expiryTimer = setTimeout(() => this.shutdown(sub, 'Token has expired 0 seconds ago'), Math.max(0, wait))
    sub.expiryTimer.unref()
  }

  private async refreshToken(sub: Subscription, token: JsonValue | undefined): Promise<void> {
    // Realtime ignores opaque keys here and sends no reply either way.
    if (typeof token !== 'string' || token.startsWith('sb_'))
      return
    const check = await this.checkToken(token)
    if (!check.ok)
      return this.shutdown(sub, check.reason.replace(/^InvalidJWTToken: /, ''))
    if (sub.isPrivate) {
      const b = await authorizeTopic(this.ctx.db, sub.name, check.role, check.claims, 'broadcast')
      const p = sub.presenceEnabled ? await authorizeTopic(this.ctx.db, sub.name, check.role, check.claims, 'presence') : undefined
      if (!b.read && !p?.read)
        return this.shutdown(sub, `You do not have permissions to read from this Channel topic: ${sub.name}`)
      sub.policies = { broadcastWrite: b.write, presenceRead: p?.read, presenceWrite: p?.write }
    }
    // Closed meanwhile: no timer for a channel that is gone.
    if (sub.conn.channels.get(sub.topic) !== sub)
      return
    sub.role = check.role
    sub.claims = check.claims
    this.armExpiry(sub)
  }

  // --- presence -----------------------------------------------------------------------------

  private presenceState(name: string, isPrivate: boolean): JsonObject {
    const state: Record<string, { metas: JsonObject[] }> = {}
    for (const s of this.subsOf(name, isPrivate)) {
      if (!s.presence)
        continue
      const entry = state[s.presence.key] ?? (state[s.presence.key] = { metas: [] })
      entry.metas.push(s.presence.meta)
    }
    return state as JsonObject
  }

  /** On a private channel presence is seen only with a presence read policy. */
  private seesPresence(s: Subscription): boolean {
    return s.presenceEnabled && (!s.isPrivate || s.policies?.presenceRead === true)
  }

  private sendPresenceState(sub: Subscription): void {
    if (!this.seesPresence(sub))
      return
    sub.conn.send({ joinRef: sub.joinRef, ref: null, topic: sub.topic, event: 'presence_state', payload: this.presenceState(sub.name, sub.isPrivate) })
  }

  private presenceDiff(from: Subscription, joined: Presence | undefined, left: Presence | undefined): void {
    const joins: JsonObject = joined ? { [joined.key]: { metas: [joined.meta] } } : {}
    const leaves: JsonObject = left ? { [left.key]: { metas: [left.meta] } } : {}
    for (const s of this.subsOf(from.name, from.isPrivate)) {
      if (this.seesPresence(s))
        s.conn.send({ joinRef: null, ref: null, topic: s.topic, event: 'presence_diff', payload: { joins, leaves } })
    }
  }

  private async presence(sub: Subscription, m: PhxMessage): Promise<void> {
    const p = obj(m.payload)
    const event = typeof p.event === 'string' ? p.event.toLowerCase() : undefined
    if (event === 'track') {
      if (p.payload !== undefined && !isObject(p.payload))
        return sub.conn.reply(m, 'error', { reason: 'Presence track payload must be a map' })
      if (sub.isPrivate && sub.policies?.presenceWrite === undefined) {
        // Presence switched on by this track: probe its policies now, as Supabase does.
        const perms = await authorizeTopic(this.ctx.db, sub.name, sub.role, sub.claims, 'presence')
        sub.policies = { ...sub.policies, presenceRead: sub.policies?.presenceRead ?? perms.read, presenceWrite: perms.write }
        // Closed or left meanwhile: tracking now would leave a presence no leave will ever remove.
        if (sub.conn.channels.get(sub.topic) !== sub)
          return
      }
      // Supabase answers an unauthorised track with a bare error reply.
      if (sub.isPrivate && !sub.policies?.presenceWrite)
        return sub.conn.reply(m, 'error', {})
      if (!sub.presenceEnabled) {
        // Tracking implies wanting presence; the state must precede the first diff.
        sub.presenceEnabled = true
        this.sendPresenceState(sub)
      }
      const previous = sub.presence
      const meta: JsonObject = { ...obj(p.payload), phx_ref: randomUUID().replace(/-/g, '').slice(0, 20) }
      if (previous)
        meta.phx_ref_prev = previous.meta.phx_ref ?? null
      sub.presence = { key: sub.presenceKey, meta }
      sub.conn.reply(m, 'ok', {})
      this.presenceDiff(sub, sub.presence, previous)
      return
    }
    if (event === 'untrack') {
      const previous = sub.presence
      sub.presence = undefined
      sub.conn.reply(m, 'ok', {})
      if (previous)
        this.presenceDiff(sub, undefined, previous)
      return
    }
    sub.conn.reply(m, 'error', { reason: 'unknown presence event' })
  }

  // --- broadcast ----------------------------------------------------------------------------

  private clientBroadcast(sub: Subscription, m: PhxMessage): void {
    const p = obj(m.payload)
    // Supabase drops, without a reply even with ack, a broadcast no insert policy on
    // realtime.messages allows (extension 'broadcast', realtime.topic() = the channel's name).
    if (sub.isPrivate && !sub.policies?.broadcastWrite)
      return
    const message: JsonObject = { type: 'broadcast', event: typeof p.event === 'string' ? p.event : '', payload: p.payload ?? {} }
    this.fanOut(sub.name, sub.isPrivate, message, sub.self ? undefined : sub)
    if (sub.ack)
      sub.conn.reply(m, 'ok', {})
  }

  private fanOut(name: string, isPrivate: boolean, message: JsonObject, except?: Subscription): void {
    for (const s of this.subsOf(name, isPrivate)) {
      if (s === except)
        continue
      s.conn.send({ joinRef: null, ref: null, topic: s.topic, event: 'broadcast', payload: message })
    }
  }

  private async deliverDbMessage(id: string): Promise<void> {
    const { rows } = await this.ctx.db.query<{ topic: string, event: string | null, private: boolean | null, payload: string | null, extension: string }>(
      'select topic, event, private, payload::text as payload, extension from realtime.messages where id = $1::uuid',
      [id],
    )
    const row = rows[0]
    if (!row || row.extension !== 'broadcast')
      return
    const isPrivate = row.private !== false
    if (this.subsOf(row.topic, isPrivate).size === 0)
      return
    const message: JsonObject = {
      type: 'broadcast',
      event: row.event ?? '',
      payload: row.payload === null ? {} : JSON.parse(row.payload) as JsonValue,
      meta: { id },
    }
    this.fanOut(row.topic, isPrivate, message)
  }

  /** `POST /realtime/v1/api/broadcast` and `…/api/broadcast/<topic>/events/<event>` (HTTP fallback of send()). */
  async handleHttp(req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): Promise<void> {
    try {
      const m = subPath.replace(/\/+$/, '').match(/^\/api\/broadcast(?:\/([^/]+)\/events\/([^/]+))?$/)
      if (!m || req.method !== 'POST')
        return sendJson(res, 404, { message: 'Not Found' })
      const who = await identify(req, this.ctx.keys)
      if (!who.ok)
        return sendJson(res, 401, { message: who.message })
      let body: JsonValue = {}
      let text: string
      try {
        text = await readBody(req)
      }
      catch (e) {
        if (e instanceof BodyTooLargeError)
          return sendJson(res, 413, { message: 'Payload Too Large' })
        throw e
      }
      if (text.trim() !== '') {
        const parsed = parseJson(text)
        if (!parsed.ok)
          return sendJson(res, 400, { message: parsed.reason === 'invalid' ? 'Invalid JSON body' : parsed.message })
        body = parsed.value
      }
      const messages: { topic: string, event: string, payload: JsonValue, isPrivate: boolean }[] = []
      if (m[1] !== undefined) {
        messages.push({ topic: decodePathSegment(m[1]), event: decodePathSegment(m[2]!), payload: body, isPrivate: query.get('private') === 'true' })
      }
      else {
        const list = isObject(body) && Array.isArray(body.messages) ? body.messages : []
        for (const item of list) {
          if (!isObject(item) || typeof item.topic !== 'string')
            continue
          messages.push({ topic: item.topic.replace(/^realtime:/, ''), event: typeof item.event === 'string' ? item.event : '', payload: item.payload ?? {}, isPrivate: flag(item.private, false) })
        }
      }
      for (const msg of messages) {
        if (msg.isPrivate && !(await authorizeTopic(this.ctx.db, msg.topic, who.role, who.claims)).write)
          continue
        this.fanOut(msg.topic, msg.isPrivate, { type: 'broadcast', event: msg.event, payload: msg.payload })
      }
      res.writeHead(202, { 'Content-Length': '0' })
      res.end()
    }
    catch (e) {
      console.error('[realtime] http', e)
      sendJson(res, 500, { message: 'Internal Server Error' })
    }
  }
}
