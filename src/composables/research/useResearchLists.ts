import type { LoadState } from '@/composables/useAsyncState'
import { computed } from 'vue'
import { collections, getCollection, myArticles, owed, recommendedList, researchTopics, reviewList } from '@/api/research'
import { orgsIManage } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'
import { bureauToday } from '@/modules/time'

// The lists of the 调研文章 screens, each an async state of its own so one failing list keeps the others.

/** 调研文章 home: my articles, the year's topics still open, the collections. */
export function useResearchHome() {
  const mine = useAsyncState(myArticles)
  const topics = useAsyncState(researchTopics)
  const books = useAsyncState(collections)
  // retired topics come back to their publishers only, for the topics screen
  const current = computed(() => (topics.data.value ?? []).filter(tp => !tp.retired_at))
  const load = () => Promise.all([mine.load(), topics.load(), books.load()])
  return { mine, topics, books, current, load }
}

/** The secretary's review list and who still owes an article. */
export function useReviewList() {
  const list = useAsyncState(reviewList)
  const owing = useAsyncState(owed)
  const waiting = computed(() => (list.data.value ?? []).filter(a => a.state === 'submitted'))
  const done = computed(() => (list.data.value ?? []).filter(a => a.state !== 'submitted'))
  const load = () => Promise.all([list.load(), owing.load()])
  return { list, owing, waiting, done, load }
}

/** The bureau's selection: the recommended articles and who still owes one. */
export function useBureauList() {
  const list = useAsyncState(recommendedList)
  const owing = useAsyncState(owed)
  const year = computed(() => list.data.value?.[0]?.year ?? Number(bureauToday().slice(0, 4)))
  const selected = computed(() => (list.data.value ?? []).filter(a => a.state === 'selected').length)
  const load = () => Promise.all([list.load(), owing.load()])
  return { list, owing, year, selected, load }
}

/** The year's topics and the organisations I may publish them for (the bureau, a school committee). */
export function useResearchTopics() {
  const topics = useAsyncState(researchTopics)
  const orgs = useAsyncState(orgsIManage)
  const publishers = computed(() => (orgs.data.value ?? []).filter(o => ['bureau', 'committee', 'general_branch'].includes(o.kind)))
  // the screen needs both: one state for CommonLoadState
  const failed = computed(() => topics.state.value === 'error' ? topics.errorKey.value : orgs.state.value === 'error' ? orgs.errorKey.value : null)
  const state = computed<LoadState>(() => failed.value ? 'error' : topics.data.value && orgs.data.value ? 'done' : 'loading')
  const load = () => Promise.all([topics.load(), orgs.load()])
  return { topics, orgs, publishers, state, failed, load }
}

/** A year's collection (the collection screen and its printable book). */
export function useCollection() {
  return useAsyncState((year: number) => getCollection(year))
}
