import type { ManagedOrg, SessionKind } from '@/api/sessions'
import { reactive, ref } from 'vue'
import { errorKey } from '@/api/errors'
import { linkSession } from '@/api/research'
import { getSession, orgsIManage, saveSession } from '@/api/sessions'
import { useAsyncState } from '@/composables/useAsyncState'
import { bureauDayFromToday, bureauTime, parseBureauTime, toInputTime } from '@/modules/time'
import { newId } from '@/offline/outbox'

export interface SessionFormState {
  org_id: string
  kind: SessionKind
  title: string
  starts_at: string // datetime-local value
  duration_minutes: number | string
  place: string
  expected_org_ids: string[]
  invitees: { user_id: string, display_name: string }[]
  readings: { id: string, title: string }[]
  opens_before: number | string
  closes_after: number | string
  late_after_minutes: number | string
  /** a 专题调研 session's research topic (linked after the session is saved) */
  research_topic_id: string | null
}

/** Create (no id) or edit a session. The id of a new one is made once, so a retry never duplicates. */
export function useSessionForm(existingId: string | null) {
  const id = existingId ?? newId()
  const orgs = ref<ManagedOrg[]>([])
  const saving = ref(false)
  const error = ref<string | null>(null)
  const form = reactive<SessionFormState>({
    org_id: '',
    kind: 'general_meeting',
    title: '',
    starts_at: `${bureauDayFromToday(1)}T15:00`,
    duration_minutes: 60,
    place: '党员活动室',
    expected_org_ids: [],
    invitees: [],
    readings: [],
    opens_before: 30,
    closes_after: 15,
    late_after_minutes: 5,
    research_topic_id: null,
  })
  let linkedTopic: string | null = null

  // the form opens once what it edits is read; a failed read is CommonLoadState's error to retry
  const { state, errorKey: loadError, load } = useAsyncState(async () => {
    orgs.value = await orgsIManage()
    if (existingId) {
      const s = await getSession(existingId)
      Object.assign(form, {
        org_id: s.org_id,
        kind: s.kind,
        title: s.title,
        starts_at: toInputTime(s.starts_at),
        duration_minutes: s.duration_minutes,
        place: s.place,
        expected_org_ids: s.expected_orgs.map(o => o.id),
        invitees: s.invitees,
        readings: s.readings,
        opens_before: bureauTime(s.starts_at).diff(s.checkin_opens_at, 'minute'),
        closes_after: bureauTime(s.checkin_closes_at).diff(s.starts_at, 'minute'),
        late_after_minutes: s.late_after_minutes,
        research_topic_id: s.research_topic?.id ?? null,
      })
      linkedTopic = s.research_topic?.id ?? null
    }
    else if (orgs.value[0]) {
      form.org_id = orgs.value.find(o => o.kind === 'branch')?.id ?? orgs.value[0].id
      form.expected_org_ids = [form.org_id]
    }
  })

  async function save() {
    saving.value = true
    error.value = null
    try {
      const start = parseBureauTime(form.starts_at)
      const s = await saveSession({
        id,
        org_id: form.org_id,
        kind: form.kind,
        title: form.title,
        starts_at: start.toISOString(),
        duration_minutes: Number(form.duration_minutes),
        place: form.place,
        expected_org_ids: form.expected_org_ids,
        invitee_ids: form.invitees.map(i => i.user_id),
        reading_ids: form.readings.map(r => r.id),
        checkin_opens_at: start.subtract(Number(form.opens_before), 'minute').toISOString(),
        checkin_closes_at: start.add(Number(form.closes_after), 'minute').toISOString(),
        late_after_minutes: Number(form.late_after_minutes),
      })
      // the link is the research area's (its own table); a retry of the save sends it again
      if (form.kind === 'research' && form.research_topic_id !== linkedTopic) {
        await linkSession(s.id, form.research_topic_id)
        linkedTopic = form.research_topic_id
      }
      return s
    }
    catch (err) {
      error.value = errorKey(err)
      return null
    }
    finally {
      saving.value = false
    }
  }

  return { id, orgs, form, state, loadError, saving, error, load, save }
}
