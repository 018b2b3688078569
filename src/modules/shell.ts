/**
 * The static first screen (index.html's #app-shell) stays over the app until the app's own first
 * screen has rendered beneath it, then goes in one step: nothing moves, nothing flashes. The app
 * holds it while its frame renders (App.vue); a page that fills in over several tasks (home) holds
 * it too, until its content is there.
 */
let holds = 0

export function holdShell(): () => void {
  holds++
  let released = false
  return () => {
    if (released)
      return
    released = true
    if (--holds === 0)
      dropShell()
  }
}

/** Remove the shell, handing over what was typed into its fields (sign-in) and the focus. */
export function dropShell(): void {
  const shell = document.getElementById('app-shell')
  if (!shell)
    return
  const focused = document.activeElement
  shell.querySelectorAll<HTMLInputElement>('input[name]').forEach((from) => {
    const to = document.querySelector<HTMLInputElement>(`#app input[name="${from.name}"]`)
    if (!to)
      return
    if (from.value && !to.value) {
      to.value = from.value
      to.dispatchEvent(new Event('input', { bubbles: true }))
    }
    if (from === focused)
      to.focus()
  })
  shell.remove()
}

/**
 * Resolves once the entry stylesheet applies. It is asked for once the shell has painted, from
 * script, so it blocks nothing (src/first-screen.js, marked data-app-styles); the app mounts after
 * it, so that nothing is laid out, measured or shown unstyled. A sheet that failed to load does not
 * hold the app. (In dev the styles come with the modules: there is no such link.)
 */
export function stylesLoaded(): Promise<void> {
  const pending = Array.from(document.querySelectorAll<HTMLLinkElement>('link[data-app-styles]'))
    .filter(l => !l.sheet && performance.getEntriesByName(l.href).length === 0)
  return Promise.all(pending.map(l => new Promise<void>((resolve) => {
    l.addEventListener('load', () => resolve(), { once: true })
    l.addEventListener('error', () => resolve(), { once: true })
  }))).then(() => {})
}
