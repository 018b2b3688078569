-- What each member reaches in the organisation tree, kept by the writes (#15 province scale).
--
-- app.org_rank, app.visible_org_ids and app.managed_org_ids are asked inside nearly every policy
-- and API function. Written as walks of the tree from the caller's memberships they cost
-- 15–95 ms once a province holds tens of thousands of memberships (a GIN probe per membership,
-- then the whole subtree below an admin); as lookups in app.org_reach they are one index range
-- of the caller's own rows. The rule stays the one in 20261125000100_core.sql, written once more
-- here in app.org_reach_refresh (the one place that computes it); supabase/tests/org-reach.test.ts
-- compares the lookups with that recursive definition after random membership and tree moves.

-- tables ------------------------------------------------------------------------------------

create table app.org_reach (
  user_id uuid not null,
  org_id uuid not null,
  rank smallint not null,
  on_path boolean not null,
  primary key (user_id, org_id)
);
comment on table app.org_reach is
  'Per (user, organisation): rank = the highest rank the user holds on it or any organisation above it '
  '(app.org_rank; 0 when only on_path), on_path = it is one of the user''s organisations or above one. '
  'Active memberships only. A summary kept by triggers on memberships and organisations; '
  'app.org_reach_rebuild() recomputes it.';

alter table app.org_reach enable row level security;
create policy org_reach_select on app.org_reach for select to authenticated using (false);
grant all on app.org_reach to service_role;

-- the subtree of one organisation in path order (the roster's order): a contiguous range
create index organisations_path_order_idx on app.organisations (path);

-- functions: the summary --------------------------------------------------------------------

-- The rows of some users recomputed from their active memberships: every organisation at or
-- below a membership at that membership's rank, every organisation above it on the path.
create function app.org_reach_refresh(p_users uuid[]) returns void
language plpgsql security definer set search_path = '' as $$
begin
  if cardinality(p_users) = 0 then
    return;
  end if;
  delete from app.org_reach r where r.user_id = any (p_users);
  insert into app.org_reach (user_id, org_id, rank, on_path)
  select x.user_id, x.org_id, max(x.rank)::smallint, bool_or(x.on_path)
    from (
      select m.user_id, d.id as org_id, app.rank_of(m.role) as rank, d.id = m.org_id as on_path
        from app.memberships m
        join app.organisations d on d.path @> array[m.org_id]
       where m.user_id = any (p_users) and m.ended_at is null
      union all
      select m.user_id, a.id, 0, true
        from app.memberships m
        join app.organisations o on o.id = m.org_id
        cross join lateral unnest(o.path) as a(id)
       where m.user_id = any (p_users) and m.ended_at is null and a.id <> m.org_id
    ) x
   group by x.user_id, x.org_id;
end
$$;

-- The whole summary from the rule (the backfill below; benchmarks after bulk loading with
-- triggers off).
create function app.org_reach_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.org_reach;
  perform app.org_reach_refresh(array(select distinct m.user_id from app.memberships m where m.ended_at is null));
end
$$;

-- triggers ----------------------------------------------------------------------------------

-- a membership added, changed or removed: the people concerned
create function app.memberships_org_reach() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.org_reach_refresh(array(select distinct n.user_id from new_rows n));
  elsif tg_op = 'DELETE' then
    perform app.org_reach_refresh(array(select distinct o.user_id from old_rows o));
  else
    perform app.org_reach_refresh(array(
      select o.user_id from old_rows o join new_rows n on n.id = o.id
       where (o.user_id, o.org_id, o.role, o.ended_at is null) is distinct from (n.user_id, n.org_id, n.role, n.ended_at is null)
      union
      select n.user_id from old_rows o join new_rows n on n.id = o.id
       where (o.user_id, o.org_id, o.role, o.ended_at is null) is distinct from (n.user_id, n.org_id, n.role, n.ended_at is null)));
  end if;
  return null;
end
$$;
create trigger memberships_org_reach_ins after insert on app.memberships
  referencing new table as new_rows for each statement execute function app.memberships_org_reach();
create trigger memberships_org_reach_del after delete on app.memberships
  referencing old table as old_rows for each statement execute function app.memberships_org_reach();
create trigger memberships_org_reach_upd after update on app.memberships
  referencing old table as old_rows new table as new_rows for each statement execute function app.memberships_org_reach();

-- an organisation added, moved (its descendants' paths are rewritten by their own statement) or
-- removed: everyone with a membership on its old or new path — above it (they reach more or
-- less below) or at it; members below it are on the paths of the rewritten descendants
create function app.organisations_org_reach() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_orgs uuid[];
begin
  if tg_op = 'INSERT' then
    v_orgs := array(select distinct a.id from new_rows n cross join lateral unnest(n.path) as a(id));
  elsif tg_op = 'DELETE' then
    v_orgs := array(select distinct a.id from old_rows o cross join lateral unnest(o.path) as a(id));
  else
    v_orgs := array(
      select a.id from old_rows o join new_rows n on n.id = o.id
       cross join lateral unnest(o.path || n.path) as a(id)
       where o.path is distinct from n.path);
  end if;
  if cardinality(v_orgs) > 0 then
    perform app.org_reach_refresh(array(
      select distinct m.user_id from app.memberships m where m.org_id = any (v_orgs) and m.ended_at is null));
  end if;
  return null;
end
$$;
create trigger organisations_org_reach_ins after insert on app.organisations
  referencing new table as new_rows for each statement execute function app.organisations_org_reach();
create trigger organisations_org_reach_del after delete on app.organisations
  referencing old table as old_rows for each statement execute function app.organisations_org_reach();
create trigger organisations_org_reach_upd after update on app.organisations
  referencing old table as old_rows new table as new_rows for each statement execute function app.organisations_org_reach();

-- functions: the helpers, now lookups ---------------------------------------------------------

create or replace function app.org_rank(p_org uuid) returns int
language sql stable security definer set search_path = '' as $$
  select coalesce((select r.rank::int from app.org_reach r where r.user_id = auth.uid() and r.org_id = p_org), 0)
$$;

create or replace function app.visible_org_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select r.org_id from app.org_reach r where r.user_id = auth.uid() and (r.on_path or r.rank >= 2)
$$;

create or replace function app.managed_org_ids() returns setof uuid
language sql stable security definer set search_path = '' as $$
  select r.org_id from app.org_reach r where r.user_id = auth.uid() and r.rank >= 3
$$;

-- backfill ----------------------------------------------------------------------------------

select app.org_reach_rebuild();

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.org_reach_refresh(uuid[]), app.org_reach_rebuild(),
  app.memberships_org_reach(), app.organisations_org_reach() from public, anon, authenticated;
grant execute on function app.org_reach_rebuild() to service_role;
