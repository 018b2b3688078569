import type { RouteRecordRaw } from 'vue-router'

export const routes: RouteRecordRaw[] = [
  { path: '/topics', name: 'topics', component: () => import('./TopicsPage.vue'), meta: { title: 'common.tabs.topics' } },
  { path: '/topics/new', name: 'topic-new', component: () => import('./TopicEditPage.vue'), props: true, meta: { title: 'topics.new_topic', tabbar: false } },
  { path: '/topics/:id/edit', name: 'topic-edit', component: () => import('./TopicEditPage.vue'), props: true, meta: { title: 'topics.edit_topic', tabbar: false } },
  { path: '/topics/:id', name: 'topic', component: () => import('./TopicPage.vue'), props: true, meta: { title: 'topics.topic', tabbar: false } },
]
