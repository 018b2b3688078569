-- The roster paged at the same cost at county and province size (#15).
--
-- 202612011402 (and 202612011601, which added the cadre flag) sorted the whole subtree's
-- memberships for every page (its window function and tuple filter are over a join of three
-- tables, which no index can serve): 50,000 members at a province ran past the 8 s statement
-- timeout. The order is unchanged — organisation (path), highest role first, name, membership id
-- — and so is the answer's shape, but a page now walks the subtree's organisations in path order
-- on a btree index (a subtree is one contiguous range of it) and takes each organisation's members
-- already sorted (a branch's few dozen), stopping as soon as the page is full: a page reads what
-- it shows and the organisations it passes. The per-organisation counts of the first page come
-- from app.org_member_counts, kept by the writes, instead of a count of every membership of the
-- subtree.

-- tables ------------------------------------------------------------------------------------

create table app.org_member_counts (
  org_id uuid primary key references app.organisations (id) on delete cascade,
  members int not null
);
comment on table app.org_member_counts is
  'Active memberships per organisation (no row: none). A summary kept by a trigger on memberships; '
  'app.org_member_counts_rebuild() recomputes it.';

alter table app.org_member_counts enable row level security;
-- the roster (security invoker) reads the counts of what its caller manages
create policy org_member_counts_select on app.org_member_counts for select to authenticated
  using (org_id in (select app.managed_org_ids()));
grant select on app.org_member_counts to authenticated;
grant all on app.org_member_counts to service_role;

-- a roster page takes one organisation's active members at a time
create index memberships_active_org_idx on app.memberships (org_id, role) where ended_at is null;

-- functions: the summary --------------------------------------------------------------------

create function app.org_member_counts_apply(p_delta jsonb) returns void
language plpgsql security definer set search_path = '' as $$
begin
  -- in organisation order, so that concurrent roster writes lock the counters in one order
  insert into app.org_member_counts as c (org_id, members)
  select (d.key)::uuid, (d.value)::int from jsonb_each_text(p_delta) d
   where (d.value)::int <> 0 order by 1
  on conflict (org_id) do update set members = c.members + excluded.members;
  delete from app.org_member_counts c
   where c.members = 0 and c.org_id in (select (d.key)::uuid from jsonb_each_text(p_delta) d);
end
$$;

create function app.org_member_counts_rebuild() returns void
language plpgsql security definer set search_path = '' as $$
begin
  delete from app.org_member_counts;
  insert into app.org_member_counts (org_id, members)
  select m.org_id, count(*)::int from app.memberships m where m.ended_at is null group by m.org_id;
end
$$;

-- triggers ----------------------------------------------------------------------------------

create function app.memberships_member_counts() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if tg_op = 'INSERT' then
    perform app.org_member_counts_apply((
      select jsonb_object_agg(x.org_id, x.n) from (
        select n.org_id, count(*) as n from new_rows n where n.ended_at is null group by 1) x));
  elsif tg_op = 'DELETE' then
    perform app.org_member_counts_apply((
      select jsonb_object_agg(x.org_id, x.n) from (
        select o.org_id, -count(*) as n from old_rows o where o.ended_at is null group by 1) x));
  else
    perform app.org_member_counts_apply((
      select jsonb_object_agg(x.org_id, x.n) from (
        select y.org_id, sum(y.n) as n from (
          select o.org_id, -1 as n from old_rows o where o.ended_at is null
          union all
          select n.org_id, 1 from new_rows n where n.ended_at is null) y
         group by 1) x));
  end if;
  return null;
end
$$;
create trigger memberships_member_counts_ins after insert on app.memberships
  referencing new table as new_rows for each statement execute function app.memberships_member_counts();
create trigger memberships_member_counts_del after delete on app.memberships
  referencing old table as old_rows for each statement execute function app.memberships_member_counts();
create trigger memberships_member_counts_upd after update on app.memberships
  referencing old table as old_rows new table as new_rows for each statement execute function app.memberships_member_counts();

-- functions ---------------------------------------------------------------------------------

create or replace function public.roster(p_org_id uuid, p_after uuid default null, p_limit int default 200) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_root uuid[];
  v_path uuid[];
  v_rank int;
  v_name text;
  v_org record;
  v_id uuid;
  v_ids uuid[] := '{}';
  v_next uuid;
  v_members jsonb;
begin
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using message = 'admin.page_size_invalid', errcode = 'P0001';
  end if;
  select o.path into v_root from app.organisations o where o.id = p_org_id;
  if p_after is not null then
    select o.path, -app.rank_of(m.role), p.display_name into v_path, v_rank, v_name
      from app.memberships m
      join app.organisations o on o.id = m.org_id
      join app.profiles p on p.user_id = m.user_id
     where m.id = p_after and o.path @> array[p_org_id];
    if not found then
      raise exception using message = 'admin.cursor_invalid', errcode = 'P0001';
    end if;
  end if;

  -- the subtree from the cursor's organisation on, in path order; each organisation's members in
  -- (highest role, name, id) order after the cursor; one row past the page says there is more
  <<orgs>>
  for v_org in
    select o.id, o.path from app.organisations o
     where o.path >= coalesce(v_path, v_root) and o.path @> array[p_org_id]
     order by o.path
  loop
    for v_id in
      select m.id
        from app.memberships m join app.profiles p on p.user_id = m.user_id
       where m.org_id = v_org.id and m.ended_at is null
         and (v_path is null or v_org.path <> v_path
              or (-app.rank_of(m.role), p.display_name, m.id) > (v_rank, v_name, p_after))
       order by -app.rank_of(m.role), p.display_name, m.id
       limit p_limit + 1 - cardinality(v_ids)
    loop
      if cardinality(v_ids) = p_limit then
        v_next := v_ids[p_limit];
        exit orgs;
      end if;
      v_ids := v_ids || v_id;
    end loop;
  end loop;

  select coalesce(jsonb_agg(jsonb_build_object(
             'membership_id', m.id, 'user_id', m.user_id, 'display_name', p.display_name,
             'school', p.school, 'position', p.position, 'phone', c.phone, 'role', m.role,
             'org_id', o.id, 'org_name', o.name, 'joined_at', m.joined_at, 'is_me', m.user_id = v_uid,
             'is_cadre', m.is_cadre)
             order by u.n), '[]'::jsonb)
    into v_members
    from unnest(v_ids) with ordinality as u(id, n)
    join app.memberships m on m.id = u.id
    join app.organisations o on o.id = m.org_id
    join app.profiles p on p.user_id = m.user_id
    left join app.profile_contacts c on c.user_id = m.user_id;

  return jsonb_build_object(
    'org_id', p_org_id,
    'my_rank', app.org_rank(p_org_id),
    'members', v_members,
    'next', v_next,
    -- first page only: active members per organisation, and the roster rows still waiting
    'org_counts', case when p_after is null then coalesce((
        select jsonb_object_agg(c.org_id, c.members)
          from app.org_member_counts c join app.organisations o on o.id = c.org_id
         where o.path @> array[p_org_id]), '{}'::jsonb) end,
    'pending', case when p_after is null then coalesce((
      select jsonb_agg(jsonb_build_object(
          'id', pm.id, 'display_name', pm.display_name, 'phone', pm.phone, 'role', pm.role,
          'org_id', o.id, 'org_name', o.name, 'created_at', pm.created_at, 'is_cadre', pm.is_cadre)
          order by o.path, pm.display_name)
        from app.pending_members pm join app.organisations o on o.id = pm.org_id
       where o.path @> array[p_org_id] and pm.attached_at is null), '[]'::jsonb) else '[]'::jsonb end
  );
end
$$;

-- backfill ----------------------------------------------------------------------------------

select app.org_member_counts_rebuild();

-- grants ------------------------------------------------------------------------------------

revoke execute on function app.org_member_counts_apply(jsonb), app.org_member_counts_rebuild(),
  app.memberships_member_counts() from public, anon, authenticated;
grant execute on function app.org_member_counts_rebuild() to service_role;
