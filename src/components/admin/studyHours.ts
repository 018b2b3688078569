/**
 * 学时 as every screen shows them: minutes (sessions attended by their length, sections read by
 * their estimated time; the minutes come from SQL) in hours to one decimal. The 我的 card, the
 * report's table and its chart all use this, so the same minutes never show as two figures.
 */
export const studyHours = (minutes: number) => Math.round(minutes / 6) / 10
