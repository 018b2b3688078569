// Where the phone keeps what the static first screen (index.html, src/shell) reads before any
// of the app's JavaScript has arrived. Also read by vite.config.ts: plain constants only.

/** localStorage key of the device settings (locale, 字号), src/stores/settings.ts */
export const SETTINGS_KEY = 'xxdzz-settings'

/** localStorage key prefix of a member's last home summary, + user id (src/offline/home-cache.ts) */
export const HOME_CACHE_PREFIX = 'xxdzz-home:'

/** The rendered home (html, css) that shell-head.js found for the body script to put in the shell. */
export const SHELL_HTML_GLOBAL = '__xxdzzShellHtml'

/** The app's own 字号, a factor on the root size; never below 1, so text never goes under 14 px. */
export const FONT_SCALES = [1, 1.125, 1.25, 1.375, 1.5, 1.75] as const
