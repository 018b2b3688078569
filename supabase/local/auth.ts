// The GoTrue subset at /auth/v1 that auth-js uses for password accounts (see docs/supabase-protocols.md §2).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AuthUser, PhoneUser } from './auth-store'
import type { StackContext } from './context'
import type { Queryable } from './db'
import type { JsonObject } from './http'
import type { Claims } from './jwt'
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto'
import { AuthError, sendAuthError } from './auth-errors'
import {
  checkPassword,
  confirmPhone,
  confirmPhoneChange,
  createSession,
  deleteSessions,
  deleteUser,
  emailTaken,
  insertUser,
  listUsers,
  loadUser,
  phoneTaken,
  phoneUserBy,
  rotateRefreshToken,
  sessionExists,
  storeConfirmationToken,
  storePhoneChangeToken,
  updateUser,
  verifyCurrentPassword,
} from './auth-store'
import { BodyTooLargeError, header, isObject, readBody, sendEmpty, sendJson } from './http'
import { parseJson } from './json'
import { signJwt, verifyJwt } from './jwt'
import { bearerFor } from './keys'

const MIN_PASSWORD_LENGTH = 6
const EMAIL_RE = /^[^\s@]+@[^\s@][^\s.@]*\.[^\s@]+$/
const PHONE_RE = /^[1-9]\d{1,14}$/
const ADMIN_ROLES = new Set(['service_role', 'supabase_admin'])

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase()
  if (!EMAIL_RE.test(email) || email.length > 255)
    throw new AuthError(400, 'validation_failed', 'Unable to validate email address: invalid format')
  return email
}

/** GoTrue's formatPhoneNumber: stored without '+' and spaces. */
function normalisePhone(raw: string): string {
  const phone = raw.trim().replace(/^\+/, '').replace(/[\s-]/g, '')
  if (!PHONE_RE.test(phone))
    throw new AuthError(400, 'validation_failed', 'Invalid phone number format (E.164 required)')
  return phone
}

/** bcrypt reads only the first 72 bytes, so GoTrue refuses longer passwords rather than cut them. */
const MAX_PASSWORD_BYTES = 72

/** GoTrue's checkPasswordStrength: both bounds count bytes (Go's len), as GoTrue does. */
function checkPasswordStrength(password: string): void {
  const bytes = Buffer.byteLength(password, 'utf8')
  if (bytes > MAX_PASSWORD_BYTES)
    throw new AuthError(400, 'validation_failed', `Password cannot be longer than ${MAX_PASSWORD_BYTES} characters`)
  if (bytes < MIN_PASSWORD_LENGTH) {
    throw new AuthError(422, 'weak_password', `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`, { weak_password: { reasons: ['length'] } })
  }
}

async function readJson(req: IncomingMessage): Promise<JsonObject> {
  let text: string
  try {
    text = await readBody(req)
  }
  catch (e) {
    if (e instanceof BodyTooLargeError)
      throw new AuthError(413, 'request_too_large', 'Request body too large')
    throw e
  }
  if (text.trim() === '')
    return {}
  // Bounded like every other body: deep user metadata would otherwise fail later, inside the store.
  const parsed = parseJson(text)
  if (!parsed.ok || !isObject(parsed.value))
    throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON')
  return parsed.value
}

function issuer(req: IncomingMessage): string {
  return `http://${header(req, 'host') ?? '127.0.0.1'}/auth/v1`
}

async function tokenResponse(ctx: StackContext, req: IncomingMessage, user: AuthUser, sessionId: string, refreshToken: string, authTime: number, method = 'password'): Promise<JsonObject> {
  const now = Math.floor(Date.now() / 1000)
  const exp = now + ctx.jwtExpiry
  // Key order follows GoTrue's AccessTokenClaims so decoded tokens look the same.
  const claims: Claims = {
    iss: issuer(req),
    sub: user.id,
    aud: 'authenticated',
    exp,
    iat: now,
    email: user.email,
    phone: user.phone,
    app_metadata: user.app_metadata,
    user_metadata: user.user_metadata,
    role: 'authenticated',
    aal: 'aal1',
    amr: [{ method, timestamp: authTime || now }],
    session_id: sessionId,
    is_anonymous: user.is_anonymous,
  }
  return {
    access_token: await signJwt(claims, ctx.keys),
    token_type: 'bearer',
    expires_in: ctx.jwtExpiry,
    expires_at: exp,
    refresh_token: refreshToken,
    user,
  }
}

interface Caller { claims: Claims, userId: string, sessionId: string }

/** GoTrue's requireAuthentication + session lookup for /user and /logout. */
async function requireUser(ctx: StackContext, req: IncomingMessage, q: Queryable): Promise<Caller> {
  const auth = header(req, 'authorization')
  const m = auth?.match(/^bearer\s(.+)$/i)
  if (!m)
    throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token')
  const v = await verifyJwt(m[1]!.trim(), ctx.keys)
  if (!v.ok)
    throw new AuthError(403, 'bad_jwt', v.expired ? 'invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired' : `invalid JWT: unable to parse or verify signature, ${v.message}`)
  const sub = typeof v.claims.sub === 'string' ? v.claims.sub : ''
  if (!sub)
    throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim')
  const user = await loadUser(q, sub)
  if (!user)
    throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist')
  const sessionId = typeof v.claims.session_id === 'string' ? v.claims.session_id : ''
  if (!sessionId || !(await sessionExists(q, sessionId)))
    throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist')
  return { claims: v.claims, userId: sub, sessionId }
}

/** Admin endpoints want a service_role token (the secret key maps to one, as through Kong). */
async function requireAdmin(ctx: StackContext, req: IncomingMessage): Promise<void> {
  const token = bearerFor(header(req, 'authorization'), header(req, 'apikey'), ctx.keys)
  if (!token)
    throw new AuthError(401, 'no_authorization', 'This endpoint requires a valid Bearer token')
  const v = await verifyJwt(token, ctx.keys)
  if (!v.ok)
    throw new AuthError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${v.message}`)
  if (!ADMIN_ROLES.has(String(v.claims.role ?? '')))
    throw new AuthError(403, 'not_admin', 'User not allowed')
}

function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505'
}

async function signup(ctx: StackContext, req: IncomingMessage): Promise<JsonObject> {
  const body = await readJson(req)
  // GoTrue limits sign-ups (not anonymous ones) per address before reading them.
  if (str(body.email) || str(body.phone))
    ctx.auth.limits.checkIp('signInSignUps', req)
  const rawEmail = str(body.email)
  const rawPhone = str(body.phone)
  const password = typeof body.password === 'string' ? body.password : ''
  if (rawEmail && rawPhone)
    throw new AuthError(400, 'validation_failed', 'Only an email address or phone number should be provided on signup.')
  if (!rawEmail && !rawPhone) {
    // Without email/phone GoTrue treats the call as an anonymous sign-in, which the CLI disables by default.
    if (!password)
      throw new AuthError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled')
    throw new AuthError(400, 'validation_failed', 'To signup, please provide your email or phone number')
  }
  if (!password)
    throw new AuthError(400, 'validation_failed', 'Signup requires a valid password')
  const email = rawEmail ? normaliseEmail(rawEmail) : undefined
  const phone = rawPhone ? normalisePhone(rawPhone) : undefined
  checkPasswordStrength(password)
  ctx.auth.limits.checkAccount('signInSignUps', email ?? phone)
  const data = isObject(body.data) ? body.data : {}
  if (phone && !ctx.auth.config.sms.enableSignup)
    throw new AuthError(400, 'phone_provider_disabled', 'Phone signups are disabled')
  if (phone && ctx.auth.config.sms.enableConfirmations)
    return phoneSignup(ctx, phone, password, data)
  try {
    return await ctx.db.transaction(async (tx) => {
      if ((email && await emailTaken(tx, email)) || (phone && await phoneTaken(tx, phone))) {
        throw new AuthError(422, 'user_already_exists', 'User already registered')
      }
      const id = await insertUser(tx, { email, phone, password, userMetadata: data, emailConfirmed: true, phoneConfirmed: true })
      const s = await createSession(tx, id)
      const user = (await loadUser(tx, id))!
      return tokenResponse(ctx, req, user, s.sessionId, s.refreshToken, s.createdAt)
    })
  }
  catch (e) {
    if (isUniqueViolation(e))
      throw new AuthError(422, 'user_already_exists', 'User already registered')
    throw e
  }
}

async function token(ctx: StackContext, req: IncomingMessage, grantType: string | null): Promise<JsonObject> {
  const body = await readJson(req)
  if (grantType === 'password' || grantType === 'refresh_token')
    ctx.auth.limits.checkIp('tokenRefresh', req)
  if (grantType === 'password') {
    const password = typeof body.password === 'string' ? body.password : ''
    const rawEmail = str(body.email)
    const rawPhone = str(body.phone)
    if (rawEmail && rawPhone)
      throw new AuthError(400, 'validation_failed', 'Only an email address or phone number should be provided on login.')
    if (!rawEmail && !rawPhone)
      throw new AuthError(400, 'validation_failed', 'A valid email or phone number is required')
    if (!password)
      throw new AuthError(400, 'validation_failed', 'A valid password is required')
    const email = rawEmail?.trim().toLowerCase()
    const phone = rawPhone?.trim().replace(/^\+/, '').replace(/[\s-]/g, '')
    ctx.auth.limits.checkAccount('signInSignUps', email ?? phone)
    return ctx.db.transaction(async (tx) => {
      const id = await checkPassword(tx, { email, phone, password })
      const s = await createSession(tx, id)
      const user = (await loadUser(tx, id))!
      return tokenResponse(ctx, req, user, s.sessionId, s.refreshToken, s.createdAt)
    })
  }
  if (grantType === 'refresh_token') {
    const refreshToken = str(body.refresh_token)
    if (!refreshToken)
      throw new AuthError(400, 'validation_failed', 'refresh_token required')
    // The reuse-detection revocation must persist even though the request fails, so the
    // error is carried out of the committed transaction instead of being thrown inside it.
    const outcome = await ctx.db.transaction(async (tx) => {
      try {
        const s = await rotateRefreshToken(tx, refreshToken)
        const user = (await loadUser(tx, s.userId))!
        return { ok: await tokenResponse(ctx, req, user, s.sessionId, s.refreshToken, s.createdAt) }
      }
      catch (e) {
        if (e instanceof AuthError)
          return { err: e }
        throw e
      }
    })
    if ('err' in outcome)
      throw outcome.err
    return outcome.ok
  }
  throw new AuthError(400, 'invalid_credentials', 'unsupported_grant_type')
}

async function putUser(ctx: StackContext, req: IncomingMessage): Promise<AuthUser> {
  // GoTrue's User limiter (GOTRUE_RATE_LIMIT_OTP) covers PUT /user: it can send SMS.
  ctx.auth.limits.checkIp('signInSignUps', req)
  const body = await readJson(req)
  return ctx.db.transaction(async (tx) => {
    const caller = await requireUser(ctx, req, tx)
    if (body.app_metadata !== undefined && body.app_metadata !== null)
      throw new AuthError(403, 'not_admin', 'Updating app_metadata requires admin privileges')
    const changes: Parameters<typeof updateUser>[2] = {}
    let phoneChangeTo: string | undefined
    if (typeof body.password === 'string') {
      checkPasswordStrength(body.password)
      if (await verifyCurrentPassword(tx, caller.userId, body.password)) {
        throw new AuthError(422, 'same_password', 'New password should be different from the old password.')
      }
      changes.password = body.password
    }
    if (isObject(body.data))
      changes.data = body.data
    const current = (await loadUser(tx, caller.userId))!
    const rawEmail = str(body.email)
    if (rawEmail) {
      const email = normaliseEmail(rawEmail)
      if (email !== current.email) {
        if (await emailTaken(tx, email, caller.userId))
          throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered')
        changes.email = email
      }
    }
    const rawPhone = str(body.phone)
    if (rawPhone) {
      const phone = normalisePhone(rawPhone)
      if (phone !== current.phone) {
        if (await phoneTaken(tx, phone, caller.userId))
          throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered')
        // With confirmations on the number only becomes the account's once /verify sees the code.
        if (ctx.auth.config.sms.enableConfirmations)
          phoneChangeTo = phone
        else changes.phone = phone
      }
    }
    await updateUser(tx, caller.userId, changes)
    if (phoneChangeTo)
      await sendPhoneCode(ctx, tx, (await phoneUserBy(tx, 'id', caller.userId))!, phoneChangeTo, 'phone_change')
    return (await loadUser(tx, caller.userId))!
  })
}

async function logout(ctx: StackContext, req: IncomingMessage, scopeParam: string | null): Promise<void> {
  const scope = scopeParam ?? 'global'
  if (scope !== 'global' && scope !== 'local' && scope !== 'others')
    throw new AuthError(400, 'validation_failed', `Unsupported logout scope "${scope}"`)
  await ctx.db.transaction(async (tx) => {
    const caller = await requireUser(ctx, req, tx)
    await deleteSessions(tx, caller.userId, caller.sessionId, scope)
  })
}

async function adminCreateUser(ctx: StackContext, req: IncomingMessage): Promise<AuthUser> {
  await requireAdmin(ctx, req)
  const body = await readJson(req)
  const email = str(body.email) ? normaliseEmail(str(body.email)!) : undefined
  const phone = str(body.phone) ? normalisePhone(str(body.phone)!) : undefined
  const password = str(body.password)
  if (password)
    checkPasswordStrength(password)
  const id = str(body.id)
  if (id && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw new AuthError(400, 'validation_failed', 'id must be a UUID')
  try {
    return await ctx.db.transaction(async (tx) => {
      if (email && await emailTaken(tx, email))
        throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered')
      if (phone && await phoneTaken(tx, phone))
        throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered')
      const newId = await insertUser(tx, {
        id,
        email,
        phone,
        password,
        userMetadata: isObject(body.user_metadata) ? body.user_metadata : isObject(body.data) ? body.data : {},
        appMetadata: isObject(body.app_metadata) ? body.app_metadata : undefined,
        emailConfirmed: body.email_confirm === true,
        phoneConfirmed: body.phone_confirm === true,
      })
      return (await loadUser(tx, newId))!
    })
  }
  catch (e) {
    if (isUniqueViolation(e))
      throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered')
    throw e
  }
}

// SMS codes (GoTrue internal/api/{phone,otp,verify,resend}.go) -------------------------------------

type CodeKind = 'confirmation' | 'phone_change'

/** GoTrue's crypto.GenerateTokenHash: what is stored instead of the code. */
function tokenHash(phone: string, code: string): string {
  return createHash('sha224').update(phone + code).digest('hex')
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && a.length > 0 && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

function generateOtp(digits: number): string {
  return String(randomInt(0, 10 ** digits)).padStart(digits, '0')
}

/** GoTrue's sendPhoneConfirmation: max_frequency first (test OTPs too), then the SMS limit, then delivery. */
async function sendPhoneCode(ctx: StackContext, tx: Queryable, user: PhoneUser, phone: string, kind: CodeKind): Promise<string> {
  const { config, limits, sms, now } = ctx.auth
  const t = now()
  const sentAt = kind === 'confirmation' ? user.confirmationSentAt : user.phoneChangeSentAt
  const freq = config.sms.maxFrequencyMs
  if (sentAt !== null && !(sentAt + freq < t)) {
    const left = Math.trunc((sentAt + freq - t) / 1000)
    throw new AuthError(429, 'over_sms_send_rate_limit', `For security purposes, you can only request this after ${left} seconds.`)
  }
  let code = config.sms.testOtp[phone]
  let messageId = ''
  if (code) {
    messageId = 'test-otp'
  }
  else {
    limits.checkSmsSent()
    code = generateOtp(config.sms.otpLength)
    sms.deliver(phone, config.sms.template.replace(/\{\{\s*\.Code\s*\}\}/g, code), code, kind)
  }
  const hash = tokenHash(phone, code)
  if (kind === 'confirmation')
    await storeConfirmationToken(tx, user.id, phone, hash, t)
  else await storePhoneChangeToken(tx, user.id, phone, hash, t)
  return messageId
}

/** Sign-up by phone with confirmations on: an unconfirmed user and a code, no session. */
async function phoneSignup(ctx: StackContext, phone: string, password: string, data: JsonObject): Promise<JsonObject> {
  try {
    return await ctx.db.transaction(async (tx) => {
      let user = await phoneUserBy(tx, 'phone', phone)
      // Mailer autoconfirm is on, so GoTrue says so plainly instead of faking a user.
      if (user?.confirmed)
        throw new AuthError(422, 'user_already_exists', 'User already registered')
      // An unconfirmed user is not changed (GoTrue cannot know who is asking): it gets a new code.
      if (!user) {
        const id = await insertUser(tx, { phone, password, userMetadata: data, emailConfirmed: false, phoneConfirmed: false })
        user = (await phoneUserBy(tx, 'id', id))!
      }
      await sendPhoneCode(ctx, tx, user, phone, 'confirmation')
      return (await loadUser(tx, user.id))!
    })
  }
  catch (e) {
    if (isUniqueViolation(e))
      throw new AuthError(422, 'user_already_exists', 'User already registered')
    throw e
  }
}

async function otp(ctx: StackContext, req: IncomingMessage): Promise<JsonObject> {
  ctx.auth.limits.checkIp('signInSignUps', req)
  const body = await readJson(req)
  const rawEmail = str(body.email)
  const rawPhone = str(body.phone)
  if (rawEmail && rawPhone)
    throw new AuthError(400, 'validation_failed', 'Only an email address or phone number should be provided')
  if (rawEmail)
    throw new AuthError(400, 'email_provider_disabled', 'Email OTP is not available on the local stack (no mailer)')
  if (!rawPhone)
    throw new AuthError(400, 'validation_failed', 'One of email or phone must be set')
  if (!ctx.auth.config.sms.enableSignup)
    throw new AuthError(400, 'phone_provider_disabled', 'Unsupported phone provider')
  const phone = normalisePhone(rawPhone)
  ctx.auth.limits.checkAccount('signInSignUps', phone)
  const createUser = body.create_user !== false
  const data = isObject(body.data) ? body.data : {}
  return ctx.db.transaction(async (tx) => {
    let user = await phoneUserBy(tx, 'phone', phone)
    if (!user && !createUser)
      throw new AuthError(422, 'otp_disabled', 'Signups not allowed for otp')
    if (!user) {
      // GoTrue signs the number up with a random password nobody knows.
      const id = await insertUser(tx, { phone, password: randomBytes(32).toString('base64url').slice(0, 64), userMetadata: data, emailConfirmed: false, phoneConfirmed: !ctx.auth.config.sms.enableConfirmations })
      user = (await phoneUserBy(tx, 'id', id))!
    }
    const messageId = await sendPhoneCode(ctx, tx, user, phone, 'confirmation')
    return (user.confirmed && messageId ? { message_id: messageId } : {}) as JsonObject
  })
}

const INVALID_CODE = (): AuthError => new AuthError(403, 'otp_expired', 'Token has expired or is invalid')

async function verify(ctx: StackContext, req: IncomingMessage): Promise<JsonObject> {
  ctx.auth.limits.checkIp('tokenVerifications', req)
  const body = await readJson(req)
  const type = str(body.type)
  const token = str(body.token)
  const hash = str(body.token_hash)
  const rawPhone = str(body.phone)
  const rawEmail = str(body.email)
  if (!type)
    throw new AuthError(400, 'validation_failed', 'Verify requires a verification type')
  if ((!token && !hash) || (token && hash))
    throw new AuthError(400, 'validation_failed', 'Verify requires either a token or a token hash')
  if (hash) {
    if (rawEmail || rawPhone || str(body.redirect_to))
      throw new AuthError(400, 'validation_failed', 'Only the token_hash and type should be provided')
    // Token hashes come from e-mail links, which the local stack never sends.
    throw INVALID_CODE()
  }
  if (!rawPhone || rawEmail) {
    if (rawEmail && !rawPhone)
      throw INVALID_CODE()
    throw new AuthError(400, 'validation_failed', 'Only an email address or phone number should be provided on verify')
  }
  const phone = normalisePhone(rawPhone)
  ctx.auth.limits.checkAccount('tokenVerifications', phone)
  if (type !== 'sms' && type !== 'phone_change')
    throw INVALID_CODE()
  const { config, now } = ctx.auth
  try {
    return await ctx.db.transaction(async (tx) => {
      const user = await phoneUserBy(tx, type === 'sms' ? 'phone' : 'phone_change', phone)
      if (!user)
        throw INVALID_CODE()
      if (user.banned)
        throw new AuthError(403, 'user_banned', 'User is banned')
      const t = now()
      const test = config.sms.testOtp[phone]
      let valid = test !== undefined && token === test
      if (!valid) {
        const expected = type === 'sms' ? user.confirmationToken : user.phoneChangeToken
        const sentAt = type === 'sms' ? user.confirmationSentAt : user.phoneChangeSentAt
        const codePhone = type === 'sms' ? phone : user.phoneChange
        valid = expected !== '' && sentAt !== null && t <= sentAt + config.sms.otpExpirySec * 1000 && sameHash(tokenHash(codePhone, token!), expected)
      }
      if (!valid)
        throw INVALID_CODE()
      if (type === 'sms')
        await confirmPhone(tx, user.id, t)
      else await confirmPhoneChange(tx, user.id, t)
      const s = await createSession(tx, user.id)
      const u = (await loadUser(tx, user.id))!
      return tokenResponse(ctx, req, u, s.sessionId, s.refreshToken, s.createdAt, 'otp')
    })
  }
  catch (e) {
    // Someone else confirmed the number while this code waited.
    if (isUniqueViolation(e))
      throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered')
    throw e
  }
}

async function resend(ctx: StackContext, req: IncomingMessage): Promise<JsonObject> {
  ctx.auth.limits.checkIp('signInSignUps', req)
  const body = await readJson(req)
  const type = str(body.type) ?? ''
  const rawEmail = str(body.email)
  const rawPhone = str(body.phone)
  if (!['signup', 'email_change', 'sms', 'phone_change'].includes(type))
    throw new AuthError(400, 'validation_failed', 'Missing one of these types: signup, email_change, sms, phone_change')
  if (!rawEmail && type === 'signup')
    throw new AuthError(400, 'validation_failed', 'Type provided requires an email address')
  if (!rawPhone && type === 'sms')
    throw new AuthError(400, 'validation_failed', 'Type provided requires a phone number')
  if (rawEmail && rawPhone)
    throw new AuthError(400, 'validation_failed', 'Only an email address or phone number should be provided.')
  if (!rawEmail && !rawPhone)
    throw new AuthError(400, 'validation_failed', 'Missing email address or phone number')
  // E-mail is confirmed on sign-up here (autoconfirm), so there is never an e-mail to resend.
  if (rawEmail)
    return {}
  if (!ctx.auth.config.sms.enableSignup)
    throw new AuthError(400, 'phone_provider_disabled', 'Phone logins are disabled')
  const phone = normalisePhone(rawPhone!)
  ctx.auth.limits.checkAccount('signInSignUps', phone)
  return ctx.db.transaction(async (tx) => {
    const user = await phoneUserBy(tx, 'phone', phone)
    // The same empty answer whether or not the number has an account.
    if (!user)
      return {}
    if (type === 'sms' && user.confirmed)
      return {}
    if (type === 'phone_change' && !user.phoneChange)
      return {}
    if (type !== 'sms' && type !== 'phone_change')
      return {}
    const messageId = type === 'sms'
      ? await sendPhoneCode(ctx, tx, user, phone, 'confirmation')
      : await sendPhoneCode(ctx, tx, user, user.phoneChange, 'phone_change')
    return (messageId ? { message_id: messageId } : {}) as JsonObject
  })
}

function settings(ctx: StackContext): JsonObject {
  const sms = ctx.auth.config.sms
  return {
    external: { anonymous_users: false, email: true, phone: sms.enableSignup },
    disable_signup: false,
    mailer_autoconfirm: true,
    phone_autoconfirm: !sms.enableConfirmations,
    sms_provider: '',
    saml_enabled: false,
  }
}

/** Handles `/auth/v1/<subPath>`; returns after the response is sent. */
export async function handleAuth(ctx: StackContext, req: IncomingMessage, res: ServerResponse, subPath: string, query: URLSearchParams): Promise<void> {
  try {
    const method = req.method ?? 'GET'
    const route = `${method} ${subPath.replace(/\/+$/, '') || '/'}`
    if (route === 'GET /health')
      return sendJson(res, 200, { version: 'local', name: 'GoTrue', description: 'GoTrue is a user registration and authentication API' })
    if (route === 'GET /settings')
      return sendJson(res, 200, settings(ctx))
    if (route === 'POST /signup')
      return sendJson(res, 200, await signup(ctx, req))
    if (route === 'POST /token')
      return sendJson(res, 200, await token(ctx, req, query.get('grant_type')))
    if (route === 'GET /user') {
      const user = await ctx.db.transaction(async (tx) => {
        const caller = await requireUser(ctx, req, tx)
        return (await loadUser(tx, caller.userId))!
      })
      return sendJson(res, 200, user)
    }
    if (route === 'PUT /user')
      return sendJson(res, 200, await putUser(ctx, req))
    if (route === 'POST /otp')
      return sendJson(res, 200, await otp(ctx, req))
    if (route === 'POST /verify')
      return sendJson(res, 200, await verify(ctx, req))
    if (route === 'POST /resend')
      return sendJson(res, 200, await resend(ctx, req))
    if (route === 'POST /logout') {
      await logout(ctx, req, query.get('scope'))
      return sendEmpty(res, 204)
    }
    if (route === 'POST /admin/users')
      return sendJson(res, 200, await adminCreateUser(ctx, req))
    if (route === 'GET /admin/users') {
      await requireAdmin(ctx, req)
      const perPage = Math.min(Math.max(Number(query.get('per_page')) || 50, 1), 1000)
      const page = Math.max(Number(query.get('page')) || 1, 1)
      const { users, total } = await listUsers(ctx.db, perPage, (page - 1) * perPage)
      return sendJson(res, 200, { users, aud: 'authenticated' }, { 'x-total-count': String(total) })
    }
    const byId = subPath.match(/^\/admin\/users\/([0-9a-f-]{36})\/?$/i)
    if (byId && (method === 'GET' || method === 'DELETE')) {
      await requireAdmin(ctx, req)
      if (method === 'GET') {
        const user = await loadUser(ctx.db, byId[1]!)
        if (!user)
          throw new AuthError(404, 'user_not_found', 'User not found')
        return sendJson(res, 200, user)
      }
      const gone = await ctx.db.transaction(tx => deleteUser(tx, byId[1]!))
      if (!gone)
        throw new AuthError(404, 'user_not_found', 'User not found')
      return sendJson(res, 200, {})
    }
    throw new AuthError(404, 'not_found', 'Not found')
  }
  catch (e) {
    if (e instanceof AuthError)
      return sendAuthError(req, res, e)
    console.error('[auth]', e)
    // 500 is "retryable" for auth-js, which is right for an unexpected database failure.
    return sendAuthError(req, res, new AuthError(500, 'unexpected_failure', 'Database error: unexpected failure'))
  }
}
