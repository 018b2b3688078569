import type { Invite } from '@/api/admin'
import { showSuccessToast, showToast } from 'vant'
import { ref, shallowRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { inviteCreate, inviteList, inviteRevoke, inviteSetApproval } from '@/api/admin'
import { errorKey, errorMessage } from '@/api/errors'

/** The invites of one organisation: list, create (client-made id: a retry makes no second invite), revoke. */
export function useInvites() {
  const { t } = useI18n()
  const list = shallowRef<Invite[] | null>(null)
  const error = ref<string | null>(null)
  const creating = ref(false)
  let orgId = ''
  let pendingId: string | null = null

  async function load(id = orgId) {
    orgId = id
    if (!orgId)
      return
    error.value = null
    try {
      list.value = await inviteList(orgId)
    }
    catch (err) {
      error.value = errorKey(err)
    }
  }

  async function create(days: number, maxUses: number | null, role: 'member' | 'committee', needsApproval = false): Promise<Invite | null> {
    creating.value = true
    pendingId ??= crypto.randomUUID()
    try {
      let inv = await inviteCreate(pendingId, orgId, new Date(Date.now() + days * 86_400_000), maxUses, role)
      // before the code is shown for sharing; a failure here keeps pendingId, so the retry
      // finds the same invite and marks it
      if (needsApproval)
        inv = await inviteSetApproval(inv.id, true)
      pendingId = null
      await load()
      return inv
    }
    catch (err) {
      showToast(errorMessage(err))
      return null
    }
    finally {
      creating.value = false
    }
  }

  async function revoke(inv: Invite) {
    try {
      await inviteRevoke(inv.id)
      showSuccessToast(t('admin.invites.revoked'))
      await load()
    }
    catch (err) {
      showToast(errorMessage(err))
    }
  }

  return { list, error, creating, load, create, revoke }
}

export function inviteLink(code: string): string {
  return `${window.location.origin}/join?code=${encodeURIComponent(code)}`
}
