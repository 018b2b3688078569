import { rpc } from './client'

export const ARTICLE_STATES = ['draft', 'submitted', 'returned', 'recommended', 'selected'] as const
export type ArticleState = typeof ARTICLE_STATES[number]

export interface ResearchTopic {
  id: string
  title: string
  brief: string
  year: number
  org_id: string
  org_name: string
  can_edit: boolean
  /** set when retired: shown to its publishers only, offered for nothing new */
  retired_at: string | null
  sessions: { id: string, title: string, starts_at: string }[]
}

export interface ArticleEvent {
  action: 'submit' | 'withdraw' | 'return' | 'recommend' | 'select' | 'unselect'
  comment: string
  at: string
  actor_name: string | null
}

export interface Article {
  id: string
  title: string
  /** plain text: paragraphs separated by blank lines, headings as lines starting with "## " */
  body: string
  state: ArticleState
  year: number
  /** the client's save counter for this draft (see research_draft_save) */
  rev: number
  topic_id: string | null
  topic_title: string | null
  org_id: string
  org_name: string
  author_id: string
  author_name: string
  author_school: string
  author_position: string
  submitted_at: string | null
  updated_at: string
  events: ArticleEvent[]
  can_edit?: boolean
  can_review?: boolean
}

export type ArticleSummary = Omit<Article, 'body'> & { last_comment?: string | null }

export interface OwedRow {
  org_id: string
  org_name: string
  cadres: number
  submitted: number
  owing: number
  submitted_names: string[]
  owing_names: string[]
}

export interface CollectionArticle {
  id: string
  title: string
  body: string
  section_id: string | null
  sort_order: number
  author_name: string
  school: string
  position: string
  org_name: string
}

export interface Collection {
  id: string | null
  year: number
  title: string
  foreword: string
  published_at: string | null
  sections: { id: string, title: string, sort_order: number }[]
  articles: CollectionArticle[]
}

export interface CollectionSummary { year: number, title: string, published_at: string | null, articles: number }

export interface DraftInput { id: string, title: string, body: string, topic_id: string | null, org_id?: string | null, rev: number }

export const researchTopics = (year: number | null = null) => rpc<ResearchTopic[]>('research_topics', { p_year: year })

export function saveTopic(t: { id: string, org_id: string, title: string, brief: string, year?: number | null }) {
  return rpc<ResearchTopic>('research_topic_save', { p_id: t.id, p_org_id: t.org_id, p_title: t.title, p_brief: t.brief, p_year: t.year ?? null })
}

export function retireTopic(id: string, retired: boolean) {
  return rpc<{ id: string, retired_at: string | null }>('research_topic_retire', { p_id: id, p_retired: retired })
}

export function linkSession(sessionId: string, topicId: string | null) {
  return rpc<{ session_id: string, topic_id: string | null }>('research_topic_link_session', { p_session_id: sessionId, p_topic_id: topicId })
}

export function setCadre(membershipId: string, isCadre: boolean) {
  return rpc<{ membership_id: string, is_cadre: boolean }>('member_set_cadre', { p_membership_id: membershipId, p_is_cadre: isCadre })
}

export function saveDraft(d: DraftInput) {
  return rpc<Article>('research_draft_save', {
    p_id: d.id,
    p_title: d.title,
    p_body: d.body,
    p_topic_id: d.topic_id,
    p_org_id: d.org_id ?? null,
    p_rev: d.rev,
  })
}

export const submitArticle = (id: string) => rpc<Article>('research_article_submit', { p_id: id })
export const withdrawArticle = (id: string) => rpc<Article>('research_article_withdraw', { p_id: id })
export function reviewArticle(id: string, decision: 'return' | 'recommend', comment: string) {
  return rpc<Article>('research_article_review', { p_id: id, p_decision: decision, p_comment: comment })
}
export function selectArticle(id: string, selected = true) {
  return rpc<Article>('research_article_select', { p_id: id, p_selected: selected, p_section_id: null })
}

export const myArticles = () => rpc<ArticleSummary[]>('my_research_articles')
export const getArticle = (id: string) => rpc<Article>('research_article', { p_id: id })
export const reviewList = (year: number | null = null) => rpc<ArticleSummary[]>('research_review_list', { p_year: year })
export const recommendedList = (year: number | null = null) => rpc<ArticleSummary[]>('research_recommended', { p_year: year })
export const owed = (year: number | null = null) => rpc<OwedRow[]>('research_owed', { p_year: year })

export const getCollection = (year: number | null = null) => rpc<Collection>('research_collection', { p_year: year })
export const collections = () => rpc<CollectionSummary[]>('research_collections')

export function saveCollection(c: {
  year: number
  title: string
  foreword: string
  sections: { id: string, title: string }[]
  order: { id: string, section_id: string | null }[]
  published?: boolean | null
}) {
  return rpc<Collection>('research_collection_save', {
    p_year: c.year,
    p_title: c.title,
    p_foreword: c.foreword,
    p_sections: c.sections,
    p_order: c.order,
    p_published: c.published ?? null,
  })
}
