// GoTrue's request limits (internal/api/apilimiter): token buckets keyed by client address, each
// `rate / 5 minutes` with a burst of 30 (tollbooth over x/time/rate), and one server-wide count of
// SMS per hour (internal/ratelimit's IntervalLimiter). The clock is injected so tests step time
// instead of sleeping.
import type { IncomingMessage } from 'node:http'
import type { AuthConfig } from './auth-config'
import { AuthError } from './auth-errors'

export type Clock = () => number

const BURST = 30
const FIVE_MINUTES_S = 300
/** Buckets untouched this long are full again and can be forgotten (tollbooth's TTL is 1 h). */
const IDLE_MS = 3_600_000
const MAX_KEYS = 100_000

class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  constructor(private readonly perSecond: number, private readonly burst: number, private readonly now: Clock) {}

  take(key: string): boolean {
    const t = this.now()
    let b = this.buckets.get(key)
    if (b) {
      b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.perSecond)
      b.at = t
    }
    else {
      if (this.buckets.size >= MAX_KEYS)
        this.sweep(t)
      b = { tokens: this.burst, at: t }
      this.buckets.set(key, b)
    }
    if (b.tokens < 1)
      return false
    b.tokens -= 1
    return true
  }

  private sweep(t: number): void {
    for (const [k, b] of this.buckets) {
      if (t - b.at > IDLE_MS)
        this.buckets.delete(k)
    }
    // Still full of live keys (a flood of fresh addresses): start over rather than grow without bound.
    if (this.buckets.size >= MAX_KEYS)
      this.buckets.clear()
  }
}

class IntervalLimiter {
  private last: number
  private count = 0
  constructor(private readonly events: number, private readonly intervalMs: number, private readonly now: Clock) {
    this.last = now()
  }

  allow(): boolean {
    const t = this.now()
    const n = Math.floor((t - this.last) / this.intervalMs)
    if (n > 0) {
      this.last += n * this.intervalMs
      this.count = 0
    }
    if (this.count >= this.events)
      return false
    this.count += 1
    return true
  }
}

export type LimitName = 'signInSignUps' | 'tokenRefresh' | 'tokenVerifications'

export class AuthLimits {
  private readonly perIp: Record<LimitName, TokenBuckets>
  private readonly perAccount: Record<LimitName, TokenBuckets>
  private readonly sms: IntervalLimiter

  constructor(private readonly cfg: AuthConfig, readonly now: Clock) {
    const buckets = (n: number): TokenBuckets => new TokenBuckets(n / FIVE_MINUTES_S, BURST, now)
    const r = cfg.rateLimit
    this.perIp = { signInSignUps: buckets(r.signInSignUps), tokenRefresh: buckets(r.tokenRefresh), tokenVerifications: buckets(r.tokenVerifications) }
    this.perAccount = { signInSignUps: buckets(r.signInSignUps), tokenRefresh: buckets(r.tokenRefresh), tokenVerifications: buckets(r.tokenVerifications) }
    this.sms = new IntervalLimiter(r.smsSent, 3_600_000, now)
  }

  /** The address the per-IP buckets are keyed by: the socket peer unless a trusted header is configured. */
  clientAddress(req: IncomingMessage): string {
    const h = this.cfg.rateLimitHeader
    if (h) {
      const raw = req.headers[h.toLowerCase()]
      const first = (Array.isArray(raw) ? raw[0] : raw)?.split(',')[0]?.trim()
      if (first)
        return first
    }
    return req.socket.remoteAddress ?? 'unknown'
  }

  /** GoTrue's limitHandler: 429 over_request_rate_limit before the handler runs. */
  checkIp(name: LimitName, req: IncomingMessage): void {
    if (!this.perIp[name].take(this.clientAddress(req)))
      throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached')
  }

  /**
   * The same bucket keyed by the account the request names (email or phone). GoTrue has no such
   * limit; it is here so that many addresses cannot share out guesses at one account (README).
   */
  checkAccount(name: LimitName, account: string | undefined): void {
    if (account && !this.perAccount[name].take(account.toLowerCase()))
      throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached')
  }

  /** GoTrue's Phone limiter, consulted only when a real SMS is about to go out. */
  checkSmsSent(): void {
    if (!this.sms.allow())
      throw new AuthError(429, 'over_sms_send_rate_limit', 'SMS rate limit exceeded')
  }
}
