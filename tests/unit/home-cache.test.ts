// @vitest-environment happy-dom
import type { HomeSummary } from '@/api/core'
import { beforeEach, describe, expect, it } from 'vitest'
import { forgetHomes, keepHome, keepHomeHtml, keptHome } from '@/offline/home-cache'
import { HOME_CACHE_PREFIX } from '@/shell/keys'

const summary = (title: string) => ({ next_session: null, continue_reading: null, due_plan: null, topics: [{ id: 't1', title, new_replies: 0 }], study_minutes_year: 0, manage: null, context: {} }) as unknown as HomeSummary

describe('the home kept on the phone', () => {
  beforeEach(() => localStorage.clear())

  it('is kept per user, and the newest summary wins', () => {
    keepHome('u1', summary('one'))
    keepHome('u2', summary('two'))
    keepHome('u1', summary('one again'))
    expect(keptHome('u1')?.topics?.[0]?.title).toBe('one again')
    expect(keptHome('u2')?.topics?.[0]?.title).toBe('two')
    expect(keptHome('u3')).toBeNull()
    expect(keptHome(null)).toBeNull()
  })

  it('keeps the rendered HTML beside its summary, without ids or test hooks, until a fresh summary replaces it', () => {
    keepHome('u1', summary('one'))
    keepHomeHtml('u1', '<div id="nav-right" data-test="home-page" class="x">张老师</div>', '.x{color:red}', 'b1', 'zh-CN')
    const kept = JSON.parse(localStorage.getItem(`${HOME_CACHE_PREFIX}u1`)!) as { html: string, css: string, build: string, locale: string }
    expect(kept).toMatchObject({ html: '<div class="x">张老师</div>', css: '.x{color:red}', build: 'b1', locale: 'zh-CN' })
    keepHome('u1', summary('two'))
    expect(JSON.parse(localStorage.getItem(`${HOME_CACHE_PREFIX}u1`)!).html).toBeUndefined()
    // no HTML without a summary to go with it
    keepHomeHtml('u9', '<p>x</p>', '', 'b1', 'zh-CN')
    expect(localStorage.getItem(`${HOME_CACHE_PREFIX}u9`)).toBeNull()
  })

  it('forgets every member\'s home on sign-out (the session store calls it; first-screen.spec checks it end to end), and nothing else', () => {
    keepHome('u1', summary('one'))
    keepHome('u2', summary('two'))
    localStorage.setItem('xxdzz-settings', '{"locale":"en"}')
    forgetHomes()
    expect(keptHome('u1')).toBeNull()
    expect(keptHome('u2')).toBeNull()
    expect(localStorage.getItem('xxdzz-settings')).toBe('{"locale":"en"}')
  })

  it('survives a full or refusing storage and garbage in it', () => {
    localStorage.setItem(`${HOME_CACHE_PREFIX}u1`, '{not json')
    expect(keptHome('u1')).toBeNull()
    localStorage.setItem(`${HOME_CACHE_PREFIX}u1`, '"a string"')
    expect(keptHome('u1')).toBeNull()
  })
})
