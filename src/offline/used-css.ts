/**
 * The rules of the app's stylesheets that the page's elements use now: kept beside the rendered
 * home (home-cache.ts) so that the static first screen draws that home from the phone alone, with
 * no stylesheet to wait for on weak signal (src/shell/shell-body.js puts them in).
 *
 * A rule is kept when its selector, without the states an element can enter later (hover, focus,
 * a pseudo-element), matches an element of the document; dark mode's rules are kept whatever the
 * theme is now, since the phone may be dark at the next start. Font faces and keyframes stay
 * (they cost nothing until used), @import never. A selector the browser cannot test is kept.
 */
const DYNAMIC = /::?(?:before|after|placeholder|selection|marker|first-line|first-letter|backdrop|file-selector-button|-webkit-[a-z-]+|-moz-[a-z-]+|hover|active|focus|focus-visible|focus-within|visited|link|checked|disabled|enabled|invalid|valid|placeholder-shown|autofill|read-only|target)(?![\w-])/g

function matches(selector: string): boolean {
  const testable = selector.replace(DYNAMIC, '').replace(/\.van-theme-dark(?![\w-])/g, '*').trim()
  try {
    return !!document.querySelector(testable || '*')
  }
  catch {
    return true
  }
}

function keep(rules: CSSRuleList): string {
  let out = ''
  for (const rule of Array.from(rules)) {
    if (rule instanceof CSSStyleRule) {
      if (matches(rule.selectorText))
        out += rule.cssText
    }
    else if (rule instanceof CSSImportRule) {
      continue
    }
    else if (rule instanceof CSSMediaRule || rule instanceof CSSSupportsRule) {
      const inner = keep(rule.cssRules)
      if (inner)
        out += `@${rule instanceof CSSMediaRule ? 'media' : 'supports'} ${rule.conditionText}{${inner}}`
    }
    else {
      out += rule.cssText
    }
  }
  return out
}

/** The used rules of the linked (not inline) stylesheets: index.html's own styles are there anyway. */
export function usedCss(): string {
  let out = ''
  for (const sheet of Array.from(document.styleSheets)) {
    if (!sheet.href || sheet.disabled)
      continue
    try {
      out += keep(sheet.cssRules)
    }
    catch {
      // a sheet whose rules cannot be read (another origin): the shell goes without it
    }
  }
  return out
}
