import type { RouteLocationNormalized } from 'vue-router'

/**
 * A route's `props`: its path params and the named query values, so pages take what the URL
 * carries as props and never read the route themselves. A query value given twice (`?a=1&a=2`)
 * or without a value comes through as absent, as a page would treat it anyway.
 */
export function withQuery(...names: string[]) {
  return (route: RouteLocationNormalized) => {
    const props: Record<string, unknown> = { ...route.params }
    for (const name of names) {
      const value = route.query[name]
      if (typeof value === 'string')
        props[name] = value
    }
    return props
  }
}
