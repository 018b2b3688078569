import { onScopeDispose, ref } from 'vue'

const pageTitle = ref('')

/**
 * Override the nav-bar title from a page (e.g. a reading's title). Without it the layout shows
 * the route's `meta.title`. Cleared when the page unmounts.
 */
export function usePageTitle(initial?: string) {
  if (initial !== undefined)
    pageTitle.value = initial
  onScopeDispose(() => {
    pageTitle.value = ''
  })
  return { pageTitle }
}

/** For the layout. */
export function usePageTitleState() {
  return { pageTitle }
}
