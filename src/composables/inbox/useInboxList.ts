import type { InboxItem } from '@/api/inbox'
import { computed, ref } from 'vue'
import { inboxList, inboxMarkRead } from '@/api/inbox'
import { useAsyncState } from '@/composables/useAsyncState'
import { useInboxStore } from '@/stores/inbox'

const PAGE = 50

/** My inbox, newest first, a page at a time; reading an item (or all) keeps the tab's unread count. */
export function useInboxList() {
  const inbox = useInboxStore()
  const items = ref<InboxItem[]>([])
  const hasMore = ref(false)

  const { state, errorKey, load } = useAsyncState(async () => {
    const page = await inboxList(null, PAGE)
    items.value = page.items
    hasMore.value = page.items.length === PAGE
    inbox.unread = page.unread
    return page
  })

  async function more() {
    const last = items.value.at(-1)
    const page = await inboxList(last?.created_at, PAGE)
    items.value.push(...page.items)
    hasMore.value = page.items.length === PAGE
  }

  // grouped by the day the server gives (Asia/Shanghai), newest first
  const groups = computed(() => {
    const out: { day: string, items: InboxItem[] }[] = []
    for (const it of items.value) {
      if (out.at(-1)?.day !== it.day)
        out.push({ day: it.day, items: [] })
      out.at(-1)!.items.push(it)
    }
    return out
  })

  /** shown read at once; put back if the server did not take it */
  function markRead(it: InboxItem) {
    if (it.read)
      return
    it.read = true
    inboxMarkRead(it.id).then((r) => {
      inbox.unread = r.unread
    }, () => { it.read = false })
  }

  async function markAll() {
    const r = await inboxMarkRead()
    items.value.forEach((it) => {
      it.read = true
    })
    inbox.unread = r.unread
  }

  return { items, hasMore, state, errorKey, load, more, groups, markRead, markAll }
}
