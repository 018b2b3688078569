import type { HomeSummary } from '@/api/core'
import { HOME_CACHE_PREFIX } from '@/shell/keys'
import { readStored } from './stored'

/**
 * A member's last home, kept on the phone so that home opens with it at once, on weak signal or
 * none, and is replaced when the fresh summary arrives: the summary (drawn by the app) and the
 * HTML it rendered to with the style rules that HTML uses (drawn by index.html before the app's
 * JavaScript or stylesheets have arrived, only by the build and in the locale that made it:
 * src/shell/shell-head.js). One entry per user; all of them go when someone signs out on this
 * phone.
 */
interface Kept {
  summary: HomeSummary
  html?: string
  css?: string
  build?: string
  locale?: string
}

function read(userId: string): Kept | null {
  const kept = readStored<Kept | null>(HOME_CACHE_PREFIX + userId, null)
  return kept && typeof kept.summary === 'object' && kept.summary ? kept : null
}

function write(userId: string, kept: Kept) {
  try {
    localStorage.setItem(HOME_CACHE_PREFIX + userId, JSON.stringify(kept))
  }
  catch {
    // storage full or refused (private mode): home just opens without it
  }
}

/** The member's last home summary, or null. */
export function keptHome(userId: string | null): HomeSummary | null {
  return userId ? read(userId)?.summary ?? null : null
}

/** Keep a fresh summary; the HTML drawn from the previous one no longer matches it. */
export function keepHome(userId: string | null, summary: HomeSummary): void {
  if (userId)
    write(userId, { summary })
}

/**
 * Keep what home rendered from the kept summary, and the style rules it uses (used-css.ts), for
 * the static first screen. Without the ids (the app's own elements carry them) and the test hooks
 * (tests find the app's elements, never the shell's copy).
 */
export function keepHomeHtml(userId: string | null, html: string, css: string, build: string, locale: string): void {
  const kept = userId ? read(userId) : null
  if (!kept)
    return
  const clean = html.replace(/\s(?:id|data-test|for|aria-labelledby)="[^"]*"/g, '')
  write(userId!, { ...kept, html: clean, css, build, locale })
}

/** Forget every member's kept home (signing out: the phone may be handed to someone else). */
export function forgetHomes(): void {
  try {
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const key = localStorage.key(i)
      if (key?.startsWith(HOME_CACHE_PREFIX))
        localStorage.removeItem(key)
    }
  }
  catch {}
}
