// strictTemplates rejects attributes a component does not declare. These pass through to the
// root element of every component (fallthrough attrs) and are allowed everywhere.
export {}

declare module 'vue' {
  interface AllowedComponentProps {
    'data-test'?: string
    'dataTest'?: string
    'aria-label'?: string
    'ariaLabel'?: string
    'role'?: string
  }
  interface HTMLAttributes {
    'data-test'?: string
  }
}
