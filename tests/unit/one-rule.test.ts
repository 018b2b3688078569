import { describe, expect, it } from 'vitest'
import { studyHours } from '@/components/admin/studyHours'
import { progressComplete, progressPercent, sumProgress } from '@/components/readings/progress'

// The screens computed these themselves before (#17); each expectation is what the copy it
// replaced gave, so the numbers shown stay the same.
describe('studyHours', () => {
  const card = (min: number) => Math.round(min / 6) / 10 // 我的 card, report chart
  const table = (min: number) => Math.round((min / 60) * 10) / 10 // report table
  it.each([0, 1, 3, 29, 30, 45, 90, 599, 12_345, 1_000_003])('%i minutes', (min) => {
    expect(studyHours(min)).toBe(card(min))
    expect(studyHours(min)).toBe(table(min))
  })
  it('averages per member as both report views showed them', () => {
    for (const [m, n] of [[95, 3], [1000, 7], [10, 4], [3, 2]] as const)
      expect(studyHours(m / n)).toBe(table(m / n))
    expect(studyHours(45)).toBe(0.8)
    expect(studyHours(90)).toBe(1.5)
  })
})

describe('reading progress', () => {
  it.each([
    [{ done: 0, total: 0 }, 0, false],
    [{ done: 0, total: 3 }, 0, false],
    [{ done: 1, total: 3 }, 33, false],
    [{ done: 2, total: 3 }, 67, false],
    [{ done: 3, total: 3 }, 100, true],
    [{ done: 1, total: 200 }, 1, false],
  ])('%o → %i%%, complete %s', (p, percent, complete) => {
    expect(progressPercent(p)).toBe(percent)
    expect(progressComplete(p)).toBe(complete)
  })
  it('sums a plan from its readings', () => {
    expect(sumProgress([{ done: 1, total: 3 }, { done: 2, total: 2 }])).toEqual({ done: 3, total: 5 })
    expect(sumProgress([])).toEqual({ done: 0, total: 0 })
  })
})
