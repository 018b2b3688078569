-- What a Supabase project's database has beyond supabase/local/bootstrap.sql, run by the
-- superuser after it: the grants postgres gets on the platform's schemas (demote-postgres,
-- 20230224042246 grant_extensions_perms_for_postgres) and the extensions schema's owner.
do $$ begin execute format('grant all on database %I to postgres', current_database()); end $$;
alter schema extensions owner to postgres;
grant all on schema auth, extensions to postgres;
grant all privileges on all tables in schema extensions to postgres with grant option;
grant all privileges on all routines in schema extensions to postgres with grant option;
grant all privileges on all sequences in schema extensions to postgres with grant option;
create extension if not exists "uuid-ossp" with schema extensions;
