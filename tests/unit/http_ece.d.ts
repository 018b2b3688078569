// http_ece (web-push's own encryption library, used by the push test to decrypt as a browser
// would) ships no types; only the call the test makes is declared.
declare module 'http_ece' {
  import type { ECDH } from 'node:crypto'

  // authSecret as base64url text, as a subscription carries it
  interface DecryptParams { version: 'aes128gcm', privateKey: ECDH, authSecret: string }
  const ece: { decrypt: (body: Buffer, params: DecryptParams) => Buffer }
  export default ece
}
