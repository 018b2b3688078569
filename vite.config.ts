import type { Plugin } from 'vite'
// the `test` block's types (an import rather than a triple-slash reference, which import sorting moves)
import type {} from 'vitest/config'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath, URL } from 'node:url'
import { baseCompile } from '@intlify/message-compiler'
import { VantResolver } from '@vant/auto-import-resolver'
import vue from '@vitejs/plugin-vue'
import Beasties from 'beasties'
import Components from 'unplugin-vue-components/vite'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'
import { AUTH_STORAGE_KEY, EARLY_CALLS_GLOBAL, EXPIRY_MARGIN_MS, LOCAL_ANON_KEY, LOCAL_URL } from './src/api/local.ts'
import { FONT_SCALES, HOME_CACHE_PREFIX, SETTINGS_KEY, SHELL_HTML_GLOBAL } from './src/shell/keys.ts'

/**
 * Locale files are compiled to vue-i18n message ASTs at build time, so the app ships the
 * runtime-only vue-i18n (no message compiler, no eval) — about 10 KB less on the first route.
 */
function precompileLocales(): Plugin {
  const compile = (v: unknown): unknown => {
    if (typeof v === 'string')
      return baseCompile(v, { jit: true, location: false }).ast
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, compile(x)]))
    return v
  }
  return {
    name: 'precompile-locales',
    enforce: 'pre',
    transform(code, id) {
      if (/[\\/]src[\\/]locales[\\/].+\.json$/.test(id))
        return { code: JSON.stringify(compile(JSON.parse(code))), map: null }
    },
  }
}

/**
 * Vant inlines its icon font into the icon CSS as a 25 KB base64 data URI (render-blocking on the
 * first screen) with a fallback on a foreign CDN (at.alicdn.com). Serve it as our own hashed,
 * cacheable file instead, and drop the foreign URL.
 */
function vantIconFont(): Plugin {
  const css = fileURLToPath(new URL('./node_modules/vant/es/icon/index.css', import.meta.url))
  const dir = fileURLToPath(new URL('./node_modules/.cache/vant-icon/', import.meta.url))
  const font = `${dir}vant-icon.woff2`
  return {
    name: 'vant-icon-font',
    enforce: 'pre',
    configResolved() {
      const b64 = /base64,([A-Za-z0-9+/=]+)\)/.exec(readFileSync(css, 'utf8'))?.[1]
      if (b64) {
        mkdirSync(dir, { recursive: true })
        writeFileSync(font, Buffer.from(b64, 'base64'))
      }
    },
    transform(code, id) {
      if (!id.endsWith('vant/es/icon/index.css'))
        return
      return { code: code.replace(/src:url\(data:font\/woff2[^)]*\) format\("woff2"\),url\([^)]*\) format\("woff"\)/, `src:url("${font}") format("woff2")`).replace('font-display:auto', 'font-display:block'), map: null }
    },
  }
}

/**
 * How the first screen boots (src/first-screen.js, inlined at the end of the body).
 * - The static first screen (src/shell) paints from the HTML alone, before any stylesheet or
 *   script has arrived: its styles are the rules of the entry stylesheet its elements use (dark
 *   mode's included), inlined by Beasties. On weak signal a render-blocking sheet, downloading
 *   beside the scripts, held that paint back for the whole download.
 * - Once the shell's text has painted, first-screen.js asks for the entry stylesheet (no longer
 *   render-blocking: the app mounts only once it is in, src/modules/shell.ts, stylesLoaded; a plain
 *   link under <noscript>), the entry and its preloads, whose own tags leave the head.
 * - With them it starts what the first screen needs a round trip earlier than the app could, from
 *   this build's chunk plan: for a stored session on `/`, the home screen and the home summary;
 *   signed out, the sign-in screen, where every protected path leads. (Not supabase-js: data calls
 *   need only postgrest-js, in the entry; the rest loads when needed.) And the connection to the
 *   API opens meanwhile.
 */
function bootFirstScreen(): Plugin {
  const script = readFileSync(new URL('./src/first-screen.js', import.meta.url), 'utf8')
  const api = { url: LOCAL_URL, anonKey: LOCAL_ANON_KEY, storageKey: AUTH_STORAGE_KEY, earlyCallsGlobal: EARLY_CALLS_GLOBAL, expiryMarginMs: EXPIRY_MARGIN_MS }
  return {
    name: 'boot-first-screen',
    apply: 'build',
    configResolved(config) {
      api.url = (config.env.VITE_SUPABASE_URL as string | undefined) || LOCAL_URL
      api.anonKey = (config.env.VITE_SUPABASE_ANON_KEY as string | undefined) || LOCAL_ANON_KEY
    },
    transformIndexHtml: {
      order: 'post',
      async handler(html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).filter(c => c.type === 'chunk')
        const byName = new Map(chunks.map(c => [c.fileName, c]))
        const closure = (root: string, into = new Set<string>()) => {
          if (!into.has(root)) {
            into.add(root)
            byName.get(root)?.imports.forEach(i => closure(i, into))
          }
          return into
        }
        const entry = chunks.find(c => c.isEntry)
        const page = (file: string) => chunks.find(c => c.facadeModuleId?.endsWith(file))
        const home = page('/src/pages/home/HomePage.vue')
        const login = page('/src/pages/auth/LoginPage.vue')
        if (!entry || !home || !login)
          return html
        const inEntry = closure(entry.fileName)
        // [modulepreload hrefs, style hrefs] of what a chunk needs beyond the entry
        const links = (root: string) => {
          const js = [...closure(root)].filter(f => !inEntry.has(f))
          const css = js.flatMap(f => [...(byName.get(f)?.viteMetadata?.importedCss ?? [])])
          return [js.map(f => `/${f}`), css.map(f => `/${f}`)]
        }
        const plan = JSON.stringify({ home: links(home.fileName), login: links(login.fileName) })
        // the entry's own tags go: first-screen.js adds them once the shell has painted
        const boot = { entry: `/${entry.fileName}`, preloads: [] as string[], styles: [] as string[] }
        html = html
          .replace(/<link rel="modulepreload" crossorigin href="([^"]+)">\s*/g, (_, href: string) => {
            boot.preloads.push(href)
            return ''
          })
          .replace(/<link rel="stylesheet" crossorigin href="([^"]+)">\s*/g, (_, href: string) => {
            boot.styles.push(href)
            return ''
          })
          .replace(new RegExp(`<script type="module" crossorigin src="${boot.entry}"></script>\\s*`), '')
        if (html.includes(boot.entry) || !boot.styles.length)
          throw new Error('boot-first-screen: the entry\'s script or stylesheet tag was not found in index.html')
        html = await criticalCss(html, boot.styles, ctx.bundle!)
        const noscript = boot.styles.map(href => `<link rel="stylesheet" crossorigin href="${href}">`).join('')
        return {
          html,
          tags: [{
            tag: 'link',
            attrs: { rel: 'preconnect', href: new URL(api.url).origin, crossorigin: '' },
            injectTo: 'head',
          }, {
            tag: 'noscript',
            injectTo: 'head',
            children: noscript,
          }, {
            tag: 'script',
            injectTo: 'body',
            children: `${script.replace(/^\/\/.*\n/gm, '').trim()}(${plan},${JSON.stringify(api)},${JSON.stringify(boot)})`,
          }],
        }
      },
    },
  }
}

/** The rules of `styles` (the bundle's assets) that the HTML's elements use, inlined in its head (Beasties). */
async function criticalCss(html: string, styles: string[], bundle: Record<string, { type: string, source?: string | Uint8Array }>): Promise<string> {
  const VIRTUAL = '/__bundle__'
  const beasties = new (class extends Beasties {
    // the stylesheets are the bundle's assets, not yet written
    readFile(filename: string): string {
      const asset = bundle[filename.slice(VIRTUAL.length + 1)]
      if (asset?.type !== 'asset' || asset.source === undefined)
        throw new Error(`boot-first-screen: no asset ${filename}`)
      return typeof asset.source === 'string' ? asset.source : Buffer.from(asset.source).toString('utf8')
    }
  })({
    path: VIRTUAL,
    publicPath: '/',
    additionalStylesheets: styles,
    reduceInlineStyles: false,
    inlineFonts: true, // the icon font's @font-face (its file loads as the icons are drawn)
    preloadFonts: false,
    // the theme's variables (theme.css: html:root, which the matcher does not take) and dark mode's
    allowRules: [/^html:root$/, /\.van-theme-dark/],
    logLevel: 'warn',
  })
  return beasties.process(html)
}

/** Identifies this build: a kept home (src/offline/home-cache.ts) is HTML of one build's components. */
const BUILD_ID = Date.now().toString(36)

/**
 * The static first screen (index.html's #app-shell, src/shell): its text comes from the locale
 * files (zh-CN written into the HTML, en handed to the body script for phones set to English), and
 * the two inline scripts that pick and fill it go in, the head one before anything else runs.
 */
function firstScreenShell(): Plugin {
  const strings = (locale: string) => (key: string): string => {
    const [area, ...path] = key.split('.')
    let v: unknown = JSON.parse(readFileSync(new URL(`./src/locales/${locale}/${area}.json`, import.meta.url), 'utf8'))
    for (const p of path)
      v = (v as Record<string, unknown> | undefined)?.[p]
    if (typeof v !== 'string')
      throw new Error(`index.html shell: no ${locale} string for ${key}`)
    return v
  }
  const script = (file: string) => readFileSync(new URL(`./src/shell/${file}`, import.meta.url), 'utf8').replace(/^\/\/.*\n/gm, '').trim()
  const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;')
  let build = ''
  return {
    name: 'first-screen-shell',
    configResolved(config) {
      // in dev the components' styles come with their scripts: a kept home could not be drawn
      build = config.command === 'build' ? BUILD_ID : ''
    },
    transformIndexHtml: {
      order: 'pre',
      handler(html) {
        const zh = strings('zh-CN')
        const en = strings('en')
        const keys = new Set<string>()
        html = html
          .replace(/(<[^>]*\sdata-t="([^"]+)"[^>]*>)(<\/)/g, (_, open: string, key: string, close: string) => {
            keys.add(key)
            return `${open}${escape(zh(key))}${close}`
          })
          .replace(/\sdata-t-placeholder="([^"]+)"/g, (m, key: string) => {
            keys.add(key)
            return `${m} placeholder="${escape(zh(key))}"`
          })
        const enStrings = Object.fromEntries([...keys].map(k => [k, en(k)]))
        const body = `<script>${script('shell-body.js')}(${JSON.stringify(enStrings)},${JSON.stringify(SHELL_HTML_GLOBAL)})</script>`
        html = html.replace('<!--app-shell-script-->', body)
        const cfg = {
          settingsKey: SETTINGS_KEY,
          authKey: AUTH_STORAGE_KEY,
          homePrefix: HOME_CACHE_PREFIX,
          htmlGlobal: SHELL_HTML_GLOBAL,
          fontScales: FONT_SCALES,
          publicPaths: ['/login', '/join'],
          build,
        }
        return { html, tags: [{ tag: 'script', injectTo: 'head', children: `${script('shell-head.js')}(${JSON.stringify(cfg)})` }] }
      },
    },
  }
}

/** Vant's own Icon module, resolved to the lighter src/components/common/vant-icon.ts (see there why). */
function lightVantIcon(): Plugin {
  const light = fileURLToPath(new URL('./src/components/common/vant-icon.ts', import.meta.url))
  return {
    name: 'light-vant-icon',
    enforce: 'pre',
    resolveId(source, importer) {
      if (source === './Icon.mjs' && importer && /[\\/]vant[\\/]es[\\/]icon[\\/]index\.mjs$/.test(importer))
        return light
    },
  }
}

/**
 * Vant's List marks itself `role="feed"`, whose children must be `article`s; ours are cells,
 * links and tables, so screen readers would announce a feed of nothing (axe-core:
 * aria-required-children). The list is a plain container here; the cells carry their own roles.
 */
function listWithoutFeedRole(): Plugin {
  return {
    name: 'list-without-feed-role',
    enforce: 'pre',
    transform(code, id) {
      if (/[\\/]vant[\\/]es[\\/]list[\\/]List\.mjs$/.test(id))
        return code.replace(/"role": "feed",\s*/, '')
    },
  }
}

/**
 * Start-up runs through nearly all of the framework and the frame (the entry chunk): V8 compiles
 * them eagerly, on a background thread as they download, rather than function by function on the
 * main thread as start-up first calls each (Chrome's "explicit compile hints"; to other engines it
 * is a comment). The comment must open the file, so it goes in after Vite's own prologue.
 */
function compileHints(): Plugin {
  return {
    name: 'compile-hints',
    apply: 'build',
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        for (const chunk of Object.values(bundle)) {
          if (chunk.type === 'chunk' && (chunk.isEntry || chunk.name === 'framework'))
            chunk.code = `//# allFunctionsCalledOnLoad\n${chunk.code}`
        }
      },
    },
  }
}

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string }

// One config for the app and its tests. The app plugins are added by the app frame;
// the test projects below are the split `npm test` relies on.
export default defineConfig({
  resolve: {
    alias: {
      '@': fileURLToPath(new URL('./src', import.meta.url)),
      'vue-i18n': 'vue-i18n/dist/vue-i18n.runtime.esm-bundler.js',
    },
  },
  define: {
    __APP_VERSION__: JSON.stringify(pkg.version),
    __BUILD_ID__: JSON.stringify(BUILD_ID),
    // Feature flags: drop what the app does not use (Options API, legacy vue-i18n, compilers).
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_JIT_COMPILATION__: 'true',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'true',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    rolldownOptions: {
      output: {
        // Fewer, larger chunks: on weak signal (and HTTP/1.1 hosts, six connections) every extra
        // request costs a round trip, which a few kilobytes more do not. The framework, and all the
        // frame needs (its Vant components, the API client), load with the entry; the rest of Vant is
        // two chunks: what home and sign-in show, and everything else.
        codeSplitting: {
          groups: [
            { name: 'framework', test: /node_modules[\\/](@vue|vue|vue-router|pinia|vue-i18n|@intlify)[\\/]/, priority: 30 },
            { name: 'frame', tags: ['$initial'], priority: 20 },
            // what home (the screen opened every visit) and sign-in render, then everything else
            { name: 'vant', test: /node_modules[\\/]vant[\\/]es[\\/](utils|composables|locale|empty|pull-refresh|skeleton[a-z-]*|progress|tag|button|loading|cell|cell-group|badge|icon|form|field|notice-bar)[\\/]/, priority: 15 },
            { name: 'vant-more', test: /node_modules[\\/](vant|@vant)[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  plugins: [
    precompileLocales(),
    vantIconFont(),
    lightVantIcon(),
    listWithoutFeedRole(),
    compileHints(),
    firstScreenShell(),
    bootFirstScreen(),
    vue(),
    // Vant components are imported on demand (with their CSS) from templates.
    Components({
      dts: 'components.d.ts',
      dirs: [],
      resolvers: [VantResolver()],
    }),
    VitePWA({
      strategies: 'generateSW',
      // The member may be mid-note: ask before swapping versions (src/modules/pwa.ts).
      registerType: 'prompt',
      injectRegister: false,
      devOptions: { enabled: false },
      includeAssets: ['favicon.svg', 'icons/apple-touch-icon.png'],
      manifest: {
        name: '学习型党组织',
        short_name: '学习',
        description: '理论学习、专题讨论、学习活动签到',
        lang: 'zh-CN',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        orientation: 'portrait',
        theme_color: '#c8161e',
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        globPatterns: ['**/*.{js,css,html,svg,png,webmanifest}'],
        navigateFallback: '/index.html',
        // API traffic is never answered by the service worker.
        navigateFallbackDenylist: [/^\/auth\//, /^\/rest\//, /^\/realtime\//, /^\/storage\//],
        cleanupOutdatedCaches: true,
        // Web Push: shows a pushed inbox item and opens its screen (public/push-sw.js)
        importScripts: ['/push-sw.js'],
        // Only the app's own hashed chunks (in case one was not precached); no API caching.
        runtimeCaching: [
          {
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/assets/'),
            handler: 'CacheFirst',
            options: { cacheName: 'app-assets', expiration: { maxEntries: 200 } },
          },
        ],
      },
    }),
  ],
  test: {
    // vitest's default leaves one core to the main process (one worker on a 2-core machine, every
    // file in turn); the main process only waits here, except for the api stack, whose work is the
    // api files' own. The three projects share one pool (same maxWorkers and group), so api files
    // run beside db and unit files rather than in a serial group of their own after them.
    maxWorkers: availableParallelism(),
    // In every project (`isolate: false`) a worker keeps its modules from file to file instead of
    // importing Vue, Vant, supabase-js and PGlite again for each (about a third of the unit
    // project's CPU time). CONTRIBUTING says what a test must then restore.
    projects: [
      {
        extends: true,
        // node unless a file asks for a DOM (a `// @vitest-environment happy-dom` docblock):
        // setting up happy-dom's window costs each file seconds of CPU that a pure function never needs
        test: { name: 'unit', environment: 'node', isolate: false, include: ['tests/unit/**/*.test.ts', 'src/**/*.test.ts'] },
      },
      {
        test: {
          name: 'db',
          environment: 'node',
          include: ['supabase/tests/**/*.test.ts'],
          globalSetup: ['supabase/tests/global-setup.ts'],
          isolate: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'api',
          environment: 'node',
          include: ['tests/api/**/*.test.ts'],
          globalSetup: ['tests/api/global-setup.ts'],
          setupFiles: ['tests/api/wait-for-stack.ts'],
          isolate: false,
          testTimeout: 30_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Not part of `npm test`: run by tests/e2e/run.ts after it built and served the app.
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['tests/e2e/**/*.spec.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})
