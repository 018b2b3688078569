import type { AppModule } from './types'

/** Fewer root-sized characters than this across the screen: the text is large for it. */
const LARGE_BELOW_REM = 18

/**
 * `html.text-large` while the text is large for the screen's width (the phone's text size, the
 * app's 字号, or both, on a narrow phone): main.css then stacks what sits side by side (a field's
 * label and input, a cell's title and value). A media query cannot do this: its `em` is the
 * browser's size only and never sees the 字号. An 18rem probe is watched, so a change of either
 * setting (or a rotation) is seen without knowing which happened.
 */
export const install: AppModule = () => {
  const html = document.documentElement
  const probe = document.createElement('div')
  probe.setAttribute('aria-hidden', 'true')
  Object.assign(probe.style, { position: 'absolute', top: '0', left: '0', visibility: 'hidden', pointerEvents: 'none', height: '0', width: `${LARGE_BELOW_REM}rem` })
  document.body.appendChild(probe)
  const check = () => html.classList.toggle('text-large', probe.getBoundingClientRect().width > html.clientWidth)
  check()
  if (typeof ResizeObserver !== 'undefined')
    new ResizeObserver(check).observe(probe)
  window.addEventListener('resize', check)
}
