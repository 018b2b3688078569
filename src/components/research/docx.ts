import type { Collection } from '@/api/research'
import { toBlocks } from './blocks'

/**
 * The year's book as a .docx (the `docx` library, loaded only when asked for): cover, foreword,
 * a contents field Word fills in (with the titles listed beneath for readers that do not update
 * fields), then each article from a new page with its byline, a running header naming the book.
 */
export async function collectionDocx(c: Collection, labels: { contents: string, foreword: string, org: string }): Promise<Blob> {
  const { Document, Packer, Paragraph, TextRun, HeadingLevel, AlignmentType, Header, Footer, PageNumber, TableOfContents } = await import('docx')
  // as in the printed book: no lone first or last line of a paragraph on a page, no heading left
  // at a page's foot without what it heads
  const para = (text: string) => new Paragraph({ children: [new TextRun({ text, size: 28 })], indent: { firstLine: 560 }, spacing: { line: 400 }, widowControl: true })
  const heading = (text: string) => new Paragraph({ heading: HeadingLevel.HEADING_2, keepNext: true, keepLines: true, children: [new TextRun(text)] })
  const children = [
    new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: 3000 }, children: [new TextRun({ text: labels.org, size: 32 })] }),
    new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: 800 }, children: [new TextRun({ text: c.title, size: 56, bold: true })] }),
  ]
  if (c.foreword.trim()) {
    children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, pageBreakBefore: true, children: [new TextRun(labels.foreword)] }))
    for (const b of toBlocks(c.foreword))
      children.push(b.kind === 'heading' ? heading(b.text) : para(b.text))
  }
  children.push(new Paragraph({ heading: HeadingLevel.HEADING_1, pageBreakBefore: true, children: [new TextRun(labels.contents)] }))
  const toc: InstanceType<typeof Paragraph | typeof TableOfContents>[] = [new TableOfContents(labels.contents, { hyperlink: true, headingStyleRange: '1-1' })]
  for (const a of c.articles)
    toc.push(new Paragraph({ children: [new TextRun({ text: `${a.title}\u3000${a.author_name}`, size: 26 })] }))
  const body: (InstanceType<typeof Paragraph>)[] = []
  for (const a of c.articles) {
    body.push(new Paragraph({ heading: HeadingLevel.HEADING_1, pageBreakBefore: true, keepNext: true, alignment: AlignmentType.CENTER, children: [new TextRun(a.title)] }))
    body.push(new Paragraph({ alignment: AlignmentType.CENTER, keepNext: true, children: [new TextRun({ text: [a.author_name, a.school, a.position].filter(Boolean).join('　'), size: 26 })] }))
    for (const b of toBlocks(a.body))
      body.push(b.kind === 'heading' ? heading(b.text) : para(b.text))
  }
  const doc = new Document({
    title: c.title,
    features: { updateFields: true },
    sections: [{
      properties: { page: { size: { width: 11906, height: 16838 } } }, // A4 in twentieths of a point
      headers: { default: new Header({ children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ text: c.title, size: 20 })] })] }) },
      footers: { default: new Footer({ children: [new Paragraph({ alignment: AlignmentType.CENTER, children: [new TextRun({ children: [PageNumber.CURRENT], size: 20 })] })] }) },
      children: [...children, ...toc, ...body] as never,
    }],
  })
  return Packer.toBlob(doc)
}
