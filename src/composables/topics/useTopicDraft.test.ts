// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import { useTopicDraft } from './useTopicDraft'

beforeEach(() => localStorage.clear())

describe('useTopicDraft', () => {
  it('keeps the draft and quote per topic across a fresh start, and clears it after sending', async () => {
    const id = ref('t1')
    const d = useTopicDraft(id)
    d.body.value = '写了一半'
    d.quote.value = { id: 'p1', author_name: '张老师' }
    await nextTick()
    const again = useTopicDraft(ref('t1'))
    expect(again.body.value).toBe('写了一半')
    expect(again.quote.value).toEqual({ id: 'p1', author_name: '张老师' })
    expect(useTopicDraft(ref('t2')).body.value).toBe('')
    d.clear()
    await nextTick()
    expect(useTopicDraft(ref('t1')).body.value).toBe('')
    expect(localStorage.length).toBe(0)
  })

  it('survives a corrupt stored value', () => {
    localStorage.setItem('xxdzz-topic-draft:t3', '{not json')
    expect(useTopicDraft(ref('t3')).body.value).toBe('')
  })
})
