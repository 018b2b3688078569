/**
 * Run `fn` once the browser is idle (at the latest after `timeout` ms): work that must not
 * compete with the first screen. Browsers without requestIdleCallback (Safari) wait a second.
 */
export function whenIdle(fn: () => void, timeout: number): void {
  if (typeof requestIdleCallback === 'function')
    requestIdleCallback(fn, { timeout })
  else
    setTimeout(fn, 1000)
}
