// `npm run pglite:cluster` — makes supabase/local/pglite-cluster/pglite-<version>.tar.br, the empty
// cluster a new PGlite data folder starts from (supabase/local/pglite-cluster.ts says why), for the
// installed @electric-sql/pglite. Run it after upgrading PGlite and commit the file.
import { buildCluster } from '../supabase/local/pglite-cluster'

const started = Date.now()
buildCluster().then(({ file, bytes }) => {
  console.log(`wrote ${file} (${(bytes / 1048576).toFixed(2)} MB) in ${Math.round((Date.now() - started) / 1000)} s`)
  process.exit(0)
}, (e: unknown) => {
  console.error(e)
  process.exit(1)
})
