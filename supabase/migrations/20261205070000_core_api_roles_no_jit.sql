-- No JIT compilation for the API's roles (#15).
--
-- PostgreSQL compiles a statement whose estimated cost passes jit_above_cost (100,000). The API's
-- statements do a few milliseconds of work, but their row-level security subplans are estimated over
-- every membership of the province (25,008 rows), so at province size home_summary's reading part,
-- 2 ms of work, spent 41.5 ms compiling 176 functions (PostgreSQL 15, jit on as it is by default):
-- 43.7 ms per call. A compile never pays back in a call this short. PostgREST applies a role's
-- settings in each request's transaction after switching to it (as it applies statement_timeout),
-- and so does the local stack (supabase/local/schema-cache.ts), so one setting per role covers every
-- call of anon and authenticated, whatever the server's jit. The report functions keep their own
-- `set jit = off` for callers of other roles.
alter role anon set jit = off;
alter role authenticated set jit = off;
