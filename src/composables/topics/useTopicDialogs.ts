import type { Ref } from 'vue'
import type { usePostActions } from './usePostActions'
import type { Post, TopicDetail } from '@/api/topics'
import type { ManageAction } from '@/components/topics/TopicManageSheet.vue'
import type { PostAction } from '@/components/topics/TopicPostSheet.vue'
import { showFailToast, showSuccessToast } from 'vant'
import { computed, ref } from 'vue'
import { useI18n } from 'vue-i18n'
import { useRouter } from 'vue-router'
import { errorMessage } from '@/api/errors'
import { setTopicStatus, writeSummary } from '@/api/topics'
import { newId } from '@/offline/outbox'

type Dialog = { kind: 'edit' | 'hide' | 'summary', post: Post | null } | null

/**
 * The sheets and the text dialog of a topic page: a reply's actions, a manager's topic actions,
 * and the one text each may ask for (edited words, a reason for hiding, the 讨论成果).
 */
export function useTopicDialogs(
  topicId: Ref<string>,
  topic: Ref<TopicDetail | null>,
  actions: ReturnType<typeof usePostActions>,
  reload: () => Promise<void>,
  quote: (p: Post) => void,
) {
  const { t } = useI18n()
  const router = useRouter()
  const sheetPost = ref<Post | null>(null)
  const showPostSheet = ref(false)
  const showManage = ref(false)
  const dialog = ref<Dialog>(null)
  const showDialog = computed({ get: () => dialog.value !== null, set: (v) => {
    if (!v)
      dialog.value = null
  } })

  function more(p: Post) {
    sheetPost.value = p
    showPostSheet.value = true
  }

  async function onPostAction(action: PostAction, p: Post) {
    if (action === 'quote')
      quote(p)
    else if (action === 'edit' || action === 'hide')
      dialog.value = { kind: action, post: p }
    else if (action === 'delete')
      await actions.remove(p)
    else if (await actions.moderate(p, action))
      void reload()
  }

  async function onManage(action: ManageAction) {
    if (action === 'edit')
      return router.push(`/topics/${topicId.value}/edit`)
    if (action === 'summary') {
      dialog.value = { kind: 'summary', post: topic.value?.summary ?? null }
      return
    }
    try {
      await setTopicStatus(topicId.value, action)
      showSuccessToast(t('topics.manage.done'))
      await reload()
    }
    catch (err) {
      showFailToast(errorMessage(err))
    }
  }

  async function onDialog(text: string, done: (ok: boolean) => void) {
    const d = dialog.value
    let ok = false
    if (d?.kind === 'edit' && d.post) {
      ok = await actions.edit(d.post, text)
    }
    else if (d?.kind === 'hide' && d.post) {
      ok = await actions.moderate(d.post, 'hide', text)
    }
    else if (d?.kind === 'summary') {
      try {
        await writeSummary(topicId.value, d.post?.id ?? newId(), text)
        await reload()
        ok = true
      }
      catch (err) {
        showFailToast(errorMessage(err))
      }
    }
    done(ok)
  }

  const dialogProps = computed(() => {
    const d = dialog.value
    if (d?.kind === 'hide')
      return { title: t('topics.hide_title'), placeholder: t('topics.hide_reason'), maxlength: 200, rows: 2, initial: '' }
    if (d?.kind === 'summary')
      return { title: t('topics.summary_title'), placeholder: t('topics.summary_placeholder'), maxlength: 5000, rows: 6, initial: d.post?.body ?? '' }
    return { title: t('topics.edit_title'), placeholder: '', maxlength: 5000, rows: 4, initial: d?.post?.body ?? '' }
  })

  return { sheetPost, showPostSheet, showManage, showDialog, dialogProps, more, onPostAction, onManage, onDialog }
}
