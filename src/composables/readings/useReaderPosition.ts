import { onScopeDispose } from 'vue'
import { readStored } from '@/offline/stored'

const KEY = 'xxdzz-reader-pos'

type Positions = Record<string, { section: string, ratio: number, at: number }>

function all(): Positions {
  return readStored<Positions>(KEY, {})
}

/** Where the reader stopped in a reading: the section and how far down it, kept on the phone. */
export function useReaderPosition(readingId: () => string, sectionId: () => string) {
  function ratio(): number {
    const max = document.documentElement.scrollHeight - window.innerHeight
    return max > 0 ? Math.min(1, window.scrollY / max) : 0
  }

  function save() {
    const p = all()
    p[readingId()] = { section: sectionId(), ratio: ratio(), at: Date.now() }
    // keep the 50 most recent readings
    const kept = Object.entries(p).sort((a, b) => b[1].at - a[1].at).slice(0, 50)
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(kept)))
  }

  /** Scroll back to where this section was left, if it was. */
  function restore() {
    const p = all()[readingId()]
    if (!p || p.section !== sectionId() || p.ratio <= 0)
      return
    const max = document.documentElement.scrollHeight - window.innerHeight
    window.scrollTo({ top: Math.round(p.ratio * max) })
  }

  let timer: ReturnType<typeof setTimeout> | null = null
  const onScroll = () => {
    if (timer)
      clearTimeout(timer)
    timer = setTimeout(save, 300)
  }
  window.addEventListener('scroll', onScroll, { passive: true })
  onScopeDispose(() => {
    window.removeEventListener('scroll', onScroll)
    if (timer)
      clearTimeout(timer)
  })

  return { save, restore }
}
