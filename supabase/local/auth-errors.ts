// GoTrue's two error formats (internal/api/errors.go): clients that send X-Supabase-Api-Version
// ≥ 2024-01-01 (supabase-js always does) get {code,message}; older ones get {code:<status>,error_code,msg}.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { header, sendJson } from './http'

export const API_VERSION = '2024-01-01'

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message)
  }
}

function wantsVersionedErrors(req: IncomingMessage): boolean {
  const v = header(req, 'x-supabase-api-version')
  // Dates compare correctly as strings in this fixed format.
  return v !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(v) && v >= API_VERSION
}

export function sendAuthError(req: IncomingMessage, res: ServerResponse, err: AuthError): void {
  const headers: Record<string, string> = { 'x-sb-error-code': err.code }
  if (wantsVersionedErrors(req)) {
    headers['X-Supabase-Api-Version'] = API_VERSION
    // error_code/msg too, so a client reading the legacy keys still finds them.
    sendJson(res, err.status, { code: err.code, message: err.message, error_code: err.code, msg: err.message, ...err.extra }, headers)
  }
  else {
    sendJson(res, err.status, { code: err.status, error_code: err.code, msg: err.message, ...err.extra }, headers)
  }
}
