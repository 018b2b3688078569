-- The cluster's roles as a Supabase project has them, made by the bootstrap superuser
-- (supabase_admin, as in Supabase's image). Sources: supabase/postgres migrations/db (init-scripts
-- 00000000000000-initial-schema, 00000000000001-auth-schema; migrations 10000000000000
-- demote-postgres, 20230201083204 grant_auth_roles_to_postgres, 20230529180330
-- alter_api_roles_for_inherit) and a hosted project's role dump. bootstrap.sql makes the API
-- roles, authenticator, supabase_auth_admin and supabase_realtime_admin and their settings.
do $$
begin
  if not exists (select 1 from pg_roles where rolname = 'postgres') then
    create role postgres;
  end if;
end
$$;
-- demote-postgres: everything but superuser
alter role postgres with nosuperuser inherit createrole createdb login replication bypassrls password 'postgres';
alter role postgres set search_path = "$user", public, extensions;
