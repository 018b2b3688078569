// The [auth*] settings of supabase/config.toml as the local GoTrue uses them, read with the same
// meaning the Supabase CLI gives them when it starts GoTrue (apps/cli-go/internal/start: the
// GOTRUE_* variables), so `npm run stack` and `supabase start` agree.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parse } from 'smol-toml'

export const CONFIG_TOML = fileURLToPath(new URL('../config.toml', import.meta.url))

export interface RateLimits {
  /** GOTRUE_RATE_LIMIT_OTP: sign-ups, /otp, /resend, PUT /user per IP per 5 minutes (burst 30). */
  signInSignUps: number
  /** GOTRUE_RATE_LIMIT_TOKEN_REFRESH: /token (password and refresh_token) per IP per 5 minutes (burst 30). */
  tokenRefresh: number
  /** GOTRUE_RATE_LIMIT_VERIFY: /verify per IP per 5 minutes (burst 30). */
  tokenVerifications: number
  /** GOTRUE_RATE_LIMIT_SMS_SENT: SMS sent per hour by the whole server (test OTPs excluded). */
  smsSent: number
}

export interface AuthConfig {
  sms: {
    enableSignup: boolean
    /** false → GoTrue's SMS_AUTOCONFIRM: phones count as verified without a code. */
    enableConfirmations: boolean
    /** Milliseconds between two codes to one user (GoTrue's SMS_MAX_FREQUENCY). */
    maxFrequencyMs: number
    /** Seconds a code stays valid; the CLI pins GOTRUE_SMS_OTP_EXP=6000. */
    otpExpirySec: number
    /** The CLI pins GOTRUE_SMS_OTP_LENGTH=6. */
    otpLength: number
    /** Go template with `{{ .Code }}`. */
    template: string
    /** phone (digits, no '+') → fixed code; no SMS is sent for these. */
    testOtp: Record<string, string>
  }
  rateLimit: RateLimits
  /**
   * Header whose first value is the client address for the per-IP limits (GoTrue's
   * GOTRUE_RATE_LIMIT_HEADER). Unset: the socket's peer address, so a client cannot pick its
   * own bucket by sending X-Forwarded-For.
   */
  rateLimitHeader?: string
}

/** The CLI template's defaults (apps/cli-go/pkg/config/templates/config.toml). */
export const CLI_DEFAULTS: AuthConfig = {
  sms: {
    enableSignup: false,
    enableConfirmations: false,
    maxFrequencyMs: 5_000,
    otpExpirySec: 6000,
    otpLength: 6,
    template: 'Your code is {{ .Code }}',
    testOtp: {},
  },
  rateLimit: { signInSignUps: 30, tokenRefresh: 150, tokenVerifications: 30, smsSent: 30 },
}

/** Go's time.ParseDuration for the forms config.toml uses ("5s", "1m30s", "250ms"). */
export function parseDuration(v: unknown, fallback: number): number {
  if (typeof v === 'number')
    return v * 1000
  if (typeof v !== 'string')
    return fallback
  const re = /(\d+(?:\.\d+)?)(ms|[smh])/g
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
  let total = 0
  let matched = ''
  for (const m of v.matchAll(re)) {
    total += Number(m[1]) * units[m[2]!]!
    matched += m[0]
  }
  return matched === v && v !== '' ? total : fallback
}

type Table = Record<string, unknown>
const table = (v: unknown): Table => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Table : {})
const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d)
const num = (v: unknown, d: number): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d)

/** The parsed file (one parser for the stack and the config test). */
export function readConfigToml(path = CONFIG_TOML): Table {
  return parse(readFileSync(path, 'utf8')) as Table
}

export function authConfigFrom(doc: Table): AuthConfig {
  const auth = table(doc.auth)
  const sms = table(auth.sms)
  const rl = table(auth.rate_limit)
  const d = CLI_DEFAULTS
  const testOtp: Record<string, string> = {}
  for (const [phone, code] of Object.entries(table(sms.test_otp))) {
    if (typeof code === 'string')
      testOtp[phone.replace(/^\+/, '')] = code
  }
  // The template is written for the CLI, which runs it through Go's text/template once
  // ({{ `{{ .Code }}` }} → {{ .Code }}) before GoTrue sees it.
  const template = typeof sms.template === 'string' ? sms.template.replace(/\{\{\s*`([^`]*)`\s*\}\}/g, '$1') : d.sms.template
  return {
    sms: {
      enableSignup: bool(sms.enable_signup, d.sms.enableSignup),
      enableConfirmations: bool(sms.enable_confirmations, d.sms.enableConfirmations),
      maxFrequencyMs: parseDuration(sms.max_frequency, d.sms.maxFrequencyMs),
      otpExpirySec: d.sms.otpExpirySec,
      otpLength: d.sms.otpLength,
      template,
      testOtp,
    },
    rateLimit: {
      signInSignUps: num(rl.sign_in_sign_ups, d.rateLimit.signInSignUps),
      tokenRefresh: num(rl.token_refresh, d.rateLimit.tokenRefresh),
      tokenVerifications: num(rl.token_verifications, d.rateLimit.tokenVerifications),
      smsSent: num(rl.sms_sent, d.rateLimit.smsSent),
    },
  }
}

export interface AuthConfigOverrides {
  sms?: Partial<AuthConfig['sms']>
  rateLimit?: Partial<RateLimits>
  rateLimitHeader?: string
}

/** GoTrue's own variable names override config.toml, as they override the CLI's on a container. */
function rateLimitsFromEnv(env: NodeJS.ProcessEnv): Partial<RateLimits> {
  const out: Partial<RateLimits> = {}
  const pick = (name: string, key: keyof RateLimits): void => {
    const v = Number(env[name])
    if (env[name] && Number.isFinite(v) && v > 0)
      out[key] = v
  }
  pick('GOTRUE_RATE_LIMIT_OTP', 'signInSignUps')
  pick('GOTRUE_RATE_LIMIT_TOKEN_REFRESH', 'tokenRefresh')
  pick('GOTRUE_RATE_LIMIT_VERIFY', 'tokenVerifications')
  pick('GOTRUE_RATE_LIMIT_SMS_SENT', 'smsSent')
  return out
}

/**
 * What the shared test and benchmark stacks set: their suites sign in hundreds of times from one
 * address within minutes, which config.toml's numbers (like Supabase's) refuse. The security
 * suite starts its own stack with config.toml's numbers to prove the limits.
 */
export const SUITE_RATE_LIMIT_ENV: Record<string, string> = {
  GOTRUE_RATE_LIMIT_OTP: '1000000',
  GOTRUE_RATE_LIMIT_TOKEN_REFRESH: '1000000',
  GOTRUE_RATE_LIMIT_VERIFY: '1000000',
  GOTRUE_RATE_LIMIT_SMS_SENT: '1000000',
}

export function loadAuthConfig(overrides: AuthConfigOverrides = {}): AuthConfig {
  const base = authConfigFrom(readConfigToml())
  return {
    sms: { ...base.sms, ...overrides.sms },
    rateLimit: { ...base.rateLimit, ...rateLimitsFromEnv(process.env), ...overrides.rateLimit },
    rateLimitHeader: overrides.rateLimitHeader ?? (process.env.GOTRUE_RATE_LIMIT_HEADER || undefined),
  }
}
