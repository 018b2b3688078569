import { onScopeDispose, ref, watchEffect } from 'vue'

/** Follows the system's light/dark setting. */
export function useColorScheme() {
  const mq = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null
  const dark = ref(mq?.matches ?? false)
  const onChange = (e: MediaQueryListEvent) => {
    dark.value = e.matches
  }
  mq?.addEventListener('change', onChange)
  onScopeDispose(() => mq?.removeEventListener('change', onChange))
  return { dark }
}

/**
 * Vant's dark theme (and ours, src/styles/theme.css) hang on `van-theme-dark` on <html>: set it
 * while the system is dark.
 */
export function useDarkTheme() {
  const { dark } = useColorScheme()
  watchEffect(() => document.documentElement.classList.toggle('van-theme-dark', dark.value))
  return { dark }
}
