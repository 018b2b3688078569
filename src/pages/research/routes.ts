import type { RouteRecordRaw } from 'vue-router'

// 调研文章: my articles and the year's topics → the editor → an article with where it stands;
// the secretary's review list, the bureau's selection, the collection and its printable book.
export const routes: RouteRecordRaw[] = [
  { path: '/research', name: 'research', component: () => import('./ResearchHomePage.vue'), meta: { title: 'research.title', tabbar: false } },
  { path: '/research/write/:id', name: 'research-write', component: () => import('./ResearchEditorPage.vue'), props: true, meta: { title: 'research.editor.title', tabbar: false } },
  { path: '/research/articles/:id', name: 'research-article', component: () => import('./ResearchArticlePage.vue'), props: true, meta: { title: 'research.article.title', tabbar: false } },
  { path: '/research/topics', name: 'research-topics', component: () => import('./ResearchTopicsPage.vue'), meta: { title: 'research.topics.title', tabbar: false, manage: true } },
  { path: '/research/review', name: 'research-review', component: () => import('./ResearchReviewPage.vue'), meta: { title: 'research.review.title', tabbar: false, manage: true } },
  { path: '/research/bureau', name: 'research-bureau', component: () => import('./ResearchBureauPage.vue'), meta: { title: 'research.bureau.title', tabbar: false, manage: true } },
  { path: '/research/collections/:year', name: 'research-collection', component: () => import('./ResearchCollectionPage.vue'), props: true, meta: { title: 'research.collection.title', tabbar: false } },
  { path: '/research/collections/:year/book', name: 'research-book', component: () => import('./ResearchBookPage.vue'), props: true, meta: { title: 'research.collection.title', layout: 'blank' } },
]
