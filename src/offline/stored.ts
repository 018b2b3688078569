/**
 * A JSON value this app keeps in localStorage, or `fallback` when there is none or it cannot be
 * read (storage refused in private mode, a value left broken by an older version or by hand):
 * what the phone keeps is a convenience, and a bad copy must never stop a screen from opening.
 * The caller checks the shape of what it gets.
 */
export function readStored<T>(key: string, fallback: T): T {
  try {
    const raw = localStorage.getItem(key)
    return raw === null ? fallback : JSON.parse(raw) as T
  }
  catch {
    return fallback
  }
}
