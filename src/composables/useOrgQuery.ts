import { useRouter } from 'vue-router'

/**
 * The screens that go down the tree one organisation at a time (the report, the attendance rates)
 * list an organisation and those this many levels below it; a row below opens as a view of its own.
 */
export const SCREEN_LEVELS = 1

/**
 * Moves a page to another organisation, kept in its URL (`?org=`, the page's prop) so that a
 * reload or a shared link keeps it: `pick` (a picker) replaces the entry, `open` (going down into
 * an organisation) pushes one, so that Back goes up again.
 */
export function useOrgQuery() {
  const router = useRouter()
  return (id: string, how: 'pick' | 'open' = 'pick') => {
    const to = { query: { ...router.currentRoute.value.query, org: id } }
    return how === 'open' ? router.push(to) : router.replace(to)
  }
}
