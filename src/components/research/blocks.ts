// An article's body is plain text: paragraphs separated by blank lines, a heading is a line that
// starts with "#". The book and the .docx both lay out these blocks (the app renders the same
// text through the readings' sanitising Markdown renderer).
export interface Block { kind: 'heading' | 'paragraph', text: string }

export function toBlocks(body: string): Block[] {
  const out: Block[] = []
  let para: string[] = []
  const end = () => {
    if (para.length)
      out.push({ kind: 'paragraph', text: para.join('') })
    para = []
  }
  for (const raw of body.replace(/\r\n?/g, '\n').split('\n')) {
    const line = raw.trim()
    if (!line) {
      end()
    }
    else if (/^#{1,6}\s/.test(line)) {
      end()
      out.push({ kind: 'heading', text: line.replace(/^#{1,6}\s+/, '') })
    }
    else {
      para.push(line)
    }
  }
  end()
  return out
}
