// @antfu/eslint-config: the shared config of the Vue ecosystem's model projects (vitesse, elk);
// its stylistic rules are the formatter (no Prettier).
import antfu from '@antfu/eslint-config'

export default antfu({
  vue: true,
  typescript: true,
  ignores: ['dist', '.local', 'components.d.ts', 'public', 'docs'],
})
