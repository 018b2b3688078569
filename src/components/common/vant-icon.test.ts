// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
// @ts-expect-error Vant's own module, which vite.config.ts replaces for the app (no types for the .mjs path)
import VantIcon from 'vant/es/icon/Icon.mjs'
import { describe, expect, it } from 'vitest'
import { h } from 'vue'
import LightIcon from './vant-icon'

/** The element an icon renders, without the wrapper class the Badge adds (same CSS: inline-block, relative). */
function shape(component: unknown, props: Record<string, unknown>) {
  const el = mount(component as never, { props, slots: { default: () => h('b', 'x') } } as never).element as HTMLElement
  return {
    tag: el.tagName,
    classes: [...el.classList].filter(c => c !== 'van-badge__wrapper').sort(),
    style: el.getAttribute('style') ?? '',
    badge: el.querySelector('.van-badge')?.outerHTML ?? null,
    html: el.innerHTML.replace(/<div class="van-badge[\s\S]*$/, '').replaceAll('<!---->', ''),
  }
}

describe('the light Vant icon', () => {
  it.each([
    { name: 'chat-o' },
    { name: 'arrow-left', size: 16, color: '#c8161e' },
    { name: 'https://example.com/a.png' },
    { name: 'chat-o', tag: 'span', classPrefix: 'my-icon' },
    { name: 'chat-o', dot: true },
    { name: 'chat-o', badge: 3 },
    { name: 'chat-o', badge: 0 },
    { name: 'chat-o', badge: 120, badgeProps: { max: 99 } },
  ])('renders %o as Vant does', (props) => {
    expect(shape(LightIcon, props)).toEqual(shape(VantIcon, props))
  })

  it('leaves out the Badge component when there is nothing to show on the icon', () => {
    const plain = mount(LightIcon, { props: { name: 'chat-o' } })
    expect(plain.findAllComponents({ name: 'van-badge' })).toHaveLength(0)
    const counted = mount(LightIcon, { props: { name: 'chat-o', badge: 2 } })
    expect(counted.findAllComponents({ name: 'van-badge' })).toHaveLength(1)
    expect(counted.find('.van-badge').text()).toBe('2')
  })
})
