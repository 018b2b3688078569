/** Move item i of a list by one place (up: -1, down: 1), in place; nothing past either end. */
export function moveItem<T>(list: T[], i: number, by: -1 | 1): void {
  const j = i + by
  if (j < 0 || j >= list.length)
    return
  const [x] = list.splice(i, 1)
  list.splice(j, 0, x as T)
}
