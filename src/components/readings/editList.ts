import type { SectionInput } from '@/api/readings'

/** Move item i of a list by one place (up: -1, down: 1), in place; nothing past either end. */
export function moveItem<T>(list: T[], i: number, by: -1 | 1): void {
  const j = i + by
  if (j < 0 || j >= list.length)
    return
  const [x] = list.splice(i, 1)
  list.splice(j, 0, x as T)
}

/**
 * A section as the form sends it (a new reading or an edit): a blank text is no text (the member
 * reads it where `where_to_read` says), the minutes a number or none (a field gives a string).
 */
export function sectionToSave(s: SectionInput): { title: string, body_md: string | null, where_to_read: string, est_minutes: number | null } {
  return { title: s.title, body_md: s.body_md?.trim() || null, where_to_read: s.where_to_read ?? '', est_minutes: s.est_minutes ? Number(s.est_minutes) : null }
}
