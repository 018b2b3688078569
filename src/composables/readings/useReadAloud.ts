import { onScopeDispose, ref } from 'vue'

/**
 * Reads a text aloud in Mandarin with the browser's own speech synthesis (nothing is sent
 * anywhere). Long texts are spoken paragraph by paragraph: some engines stop after a few minutes
 * of a single utterance.
 */
export function useReadAloud() {
  const supported = typeof window !== 'undefined' && 'speechSynthesis' in window && 'SpeechSynthesisUtterance' in window
  const speaking = ref(false)

  function pickVoice(): SpeechSynthesisVoice | null {
    const voices = window.speechSynthesis.getVoices()
    return voices.find(v => v.lang === 'zh-CN') ?? voices.find(v => v.lang.startsWith('zh')) ?? null
  }

  function stop() {
    if (!supported)
      return
    window.speechSynthesis.cancel()
    speaking.value = false
  }

  function speak(text: string, onEnd?: () => void) {
    if (!supported)
      return
    stop()
    const parts = text.split(/\n+/).map(s => s.trim()).filter(Boolean)
    if (!parts.length)
      return
    const voice = pickVoice()
    speaking.value = true
    parts.forEach((p, i) => {
      const u = new SpeechSynthesisUtterance(p)
      u.lang = 'zh-CN'
      if (voice)
        u.voice = voice
      u.rate = 0.95
      if (i === parts.length - 1) {
        u.onend = () => {
          speaking.value = false
          onEnd?.()
        }
      }
      u.onerror = () => (speaking.value = false)
      window.speechSynthesis.speak(u)
    })
  }

  onScopeDispose(stop)
  return { supported, speaking, speak, stop }
}
