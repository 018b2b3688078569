import type { Ref } from 'vue'
import { onBeforeUnmount, onMounted, ref } from 'vue'

/**
 * The pixels a type-scale variable (`--app-text-sm`, …) comes to right now, for what cannot be
 * styled with CSS (a canvas chart's labels). A hidden probe as wide as the variable is watched,
 * so the value follows the phone's text size and the app's 字号 (both move the root size) without
 * knowing which of them changed. `width` is the px width of `el`, for sizing against the screen.
 */
export function useTextPx(variable = '--app-text-sm', el?: Ref<HTMLElement | null>) {
  const px = ref(14)
  const width = ref(0)
  let probe: HTMLElement | null = null
  let observer: ResizeObserver | null = null

  const read = () => {
    if (probe)
      px.value = Math.max(1, probe.getBoundingClientRect().width)
    if (el?.value)
      width.value = el.value.clientWidth
  }

  onMounted(() => {
    probe = document.createElement('span')
    probe.setAttribute('aria-hidden', 'true')
    Object.assign(probe.style, { position: 'absolute', visibility: 'hidden', pointerEvents: 'none', height: '0', width: `var(${variable})` })
    document.body.appendChild(probe)
    read()
    if (typeof ResizeObserver !== 'undefined') {
      observer = new ResizeObserver(read)
      observer.observe(probe)
      if (el?.value)
        observer.observe(el.value)
    }
  })
  onBeforeUnmount(() => {
    observer?.disconnect()
    probe?.remove()
  })

  return { px, width }
}
