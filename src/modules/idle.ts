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

/**
 * Let the browser run what waits (a tap, a paint) before going on: start-up is cut into tasks
 * short enough that a cheap phone never stays unresponsive for long. scheduler.yield() keeps our
 * place at the front of the queue where the browser has it; elsewhere a zero timeout.
 */
export function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler
  if (typeof scheduler?.yield === 'function')
    return scheduler.yield()
  return new Promise(resolve => setTimeout(resolve, 0))
}
