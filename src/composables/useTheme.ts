import type { ConfigProviderThemeVars } from 'vant'
import { onScopeDispose, ref } from 'vue'

/** Party red; 5.9:1 against white. */
export const PRIMARY = '#c8161e'
/** A lighter red for dark backgrounds (≥ 4.5:1 on #1c1c1e). */
export const PRIMARY_DARK = '#ff6b6b'

export const themeVars: ConfigProviderThemeVars = {
  primaryColor: PRIMARY,
  navBarBackground: PRIMARY,
  navBarTitleTextColor: '#ffffff',
  navBarIconColor: '#ffffff',
  navBarTextColor: '#ffffff',
  buttonPrimaryBackground: PRIMARY,
  buttonPrimaryBorderColor: PRIMARY,
  // darker than Vant's #969799 so secondary text passes WCAG AA on white
  textColor3: '#6b6d70',
  textColor2: '#5c5e61',
}

export const themeVarsDark: ConfigProviderThemeVars = {
  primaryColor: PRIMARY_DARK,
  navBarBackground: '#1c1c1e',
  navBarTitleTextColor: '#f5f5f5',
  navBarIconColor: '#f5f5f5',
  navBarTextColor: '#f5f5f5',
  buttonPrimaryBackground: '#b3141b',
  tagPrimaryColor: '#b3141b',
  buttonPrimaryBorderColor: '#b3141b',
  textColor3: '#a6a7a9',
  textColor2: '#b8b9bb',
  // Vant's dark theme keeps the light grey track, which reads as a full bar on black
  progressBackground: '#3a3a3c',
}

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
