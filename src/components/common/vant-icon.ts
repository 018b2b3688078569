import type { PropType } from 'vue'
import { Badge } from 'vant/es/badge'
import { CONFIG_PROVIDER_KEY } from 'vant/es/config-provider/ConfigProvider'
import { addUnit } from 'vant/es/utils'
import { defineComponent, h, inject } from 'vue'

/**
 * Vant's Icon, minus the Badge component it wraps every icon in. Home shows 17 icons (cells, their
 * arrows, the tabs): that was 34 components where 17 plain ones do, on the first screen of a cheap
 * phone. It renders the same element and classes; an icon with a dot or a count still gets the
 * Badge (vant-icon.test.ts compares the two). vite.config.ts (lightVantIcon) puts it in place of
 * vant/es/icon/Icon.mjs in the build, so every Vant component that draws an icon (cells, fields,
 * the toast) uses it too; the dev server pre-bundles Vant with its own.
 */
export const iconProps = {
  dot: Boolean,
  tag: { type: String as PropType<keyof HTMLElementTagNameMap>, default: 'i' },
  name: String,
  size: [Number, String],
  badge: [Number, String],
  color: String,
  badgeProps: Object,
  classPrefix: String,
}

export default defineComponent({
  name: 'van-icon',
  props: iconProps,
  setup(props, { slots }) {
    const config = inject(CONFIG_PROVIDER_KEY, null)
    return () => {
      const prefix = props.classPrefix || config?.iconPrefix || 'van-icon'
      const image = props.name?.includes('/')
      const attrs = {
        class: [prefix, image ? '' : `${prefix}-${props.name}`],
        style: { color: props.color, fontSize: addUnit(props.size) },
      }
      const children = () => [slots.default?.(), image && h('img', { class: `${prefix}__image`, src: props.name })]
      if (props.dot || (props.badge !== undefined && props.badge !== '') || props.badgeProps)
        return h(Badge, { dot: props.dot, tag: props.tag, content: props.badge, ...attrs, ...props.badgeProps }, { default: children })
      return h(props.tag, attrs, children())
    }
  },
})
