-- Research, continued: topics can be retired (and are scoped to the session linking them), the
-- cadre flag travels with a roster row (the import's optional 副校级以上干部 column) into the
-- membership made from it, the roster shows the flag, and a session's detail names its topic.
--
-- public.roster_import and public.get_session belong to the management and
-- sessions areas, which other work changes too. Rather than copying their bodies here (a later
-- copy would silently undo their changes), each is renamed into app and wrapped: the wrapper
-- calls whatever body is current and adds the research fields, so both changes compose.

-- tables ------------------------------------------------------------------------------------

alter table app.research_topics add column retired_at timestamptz;
comment on column app.research_topics.retired_at is 'Set when the publisher retires the topic: no longer offered for new articles or sessions; kept for those that have it.';

alter table app.pending_members add column is_cadre boolean not null default false;
comment on column app.pending_members.is_cadre is 'From the roster file''s 副校级以上干部 column: copied to the membership when the row attaches.';

-- triggers ----------------------------------------------------------------------------------

-- Every path that turns a roster row into a membership (sign-up with a verified phone, an
-- accepted invitation) marks the row attached after making the membership; the flag follows here
-- once, so no attach function needs to know about it.
create function app.pending_members_carry_cadre() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  update app.memberships m set is_cadre = true
   where m.org_id = new.org_id and m.user_id = new.attached_user_id and m.ended_at is null and not m.is_cadre;
  return new;
end
$$;
revoke execute on function app.pending_members_carry_cadre() from public, anon, authenticated;

create trigger pending_members_carry_cadre after update of attached_at on app.pending_members
  for each row when (old.attached_at is null and new.attached_at is not null and new.is_cadre)
  execute function app.pending_members_carry_cadre();

-- functions: topics -------------------------------------------------------------------------

-- The year's topics I can see; retired ones only for those who may bring them back.
create or replace function public.research_topics(p_year int default null) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'id', t.id, 'title', t.title, 'brief', t.brief, 'year', t.year, 'org_id', t.org_id,
           'org_name', o.name, 'can_edit', app.can_manage(t.org_id), 'retired_at', t.retired_at,
           'sessions', coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'title', s.title, 'starts_at', s.starts_at) order by s.starts_at)
                                   from app.research_topic_sessions l join app.sessions s on s.id = l.session_id
                                  where l.topic_id = t.id), '[]'::jsonb))
           order by t.retired_at nulls first, array_length(o.path, 1), t.sort_order, t.title), '[]'::jsonb)
    from app.research_topics t join app.organisations o on o.id = t.org_id
   where t.year = coalesce(p_year, app.research_year())
     and (t.retired_at is null or app.can_manage(t.org_id))
$$;

-- Retire a topic (or bring it back), by whoever may edit it.
create function public.research_retire_topic(p_id uuid, p_retired boolean default true) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_t app.research_topics;
begin
  perform app.require_user();
  if p_retired is null then
    raise exception using message = 'research.decision_invalid', errcode = 'P0001';
  end if;
  -- read first, not locked: a lock needs the update policy, and a member who may read the topic
  -- but not change it is told so rather than that it does not exist
  select * into v_t from app.research_topics t where t.id = p_id;
  if not found then
    raise exception using message = 'research.topic_not_found', errcode = 'PT404';
  elsif not app.can_manage(v_t.org_id) then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  -- only the call that changes it is audited (a retry, or a concurrent twin, finds it done)
  update app.research_topics t set retired_at = case when p_retired then now() end
   where t.id = p_id and (t.retired_at is not null) <> p_retired
  returning * into v_t;
  if found then
    perform app.audit(v_t.org_id, case when p_retired then 'research.retire_topic' else 'research.restore_topic' end, p_id,
      jsonb_build_object('title', v_t.title));
  else
    select * into v_t from app.research_topics t where t.id = p_id;
  end if;
  return jsonb_build_object('id', v_t.id, 'retired_at', v_t.retired_at);
end
$$;
revoke execute on function public.research_retire_topic(uuid, boolean) from public, anon;
grant execute on function public.research_retire_topic(uuid, boolean) to authenticated;

-- Link a 专题调研 session to a topic (null unlinks): a current topic of the bureau or of an
-- organisation above or at the session's own, so a school's topic is not linked from another.
create or replace function public.research_link_session(p_session_id uuid, p_topic_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_kind text;
  v_org uuid;
  v_t app.research_topics;
begin
  select s.kind, s.org_id into v_kind, v_org from app.sessions s where s.id = p_session_id;
  if not found then
    raise exception using message = 'research.session_not_found', errcode = 'PT404';
  elsif not app.can_manage(v_org) then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  elsif v_kind <> 'research' then
    raise exception using message = 'research.session_not_research', errcode = 'P0001';
  end if;
  if p_topic_id is null then
    delete from app.research_topic_sessions l where l.session_id = p_session_id;
  else
    select * into v_t from app.research_topics t where t.id = p_topic_id;
    if not found or not exists (select 1 from app.organisations o where o.id = v_org and o.path @> array[v_t.org_id]) then
      raise exception using message = 'research.topic_not_found', errcode = 'PT404';
    elsif v_t.retired_at is not null
      and not exists (select 1 from app.research_topic_sessions l where l.session_id = p_session_id and l.topic_id = p_topic_id) then
      raise exception using message = 'research.topic_retired', errcode = 'PT409';
    end if;
    insert into app.research_topic_sessions (session_id, topic_id, linked_by) values (p_session_id, p_topic_id, v_uid)
    on conflict (session_id) do update set topic_id = excluded.topic_id, linked_by = excluded.linked_by, linked_at = now();
  end if;
  perform app.audit(v_org, 'research.link_session', p_session_id, jsonb_build_object('topic_id', p_topic_id));
  return jsonb_build_object('session_id', p_session_id, 'topic_id', p_topic_id);
end
$$;

-- functions: the session's topic ------------------------------------------------------------

alter function public.get_session(uuid) rename to get_session_without_research;
alter function public.get_session_without_research(uuid) set schema app;
revoke execute on function app.get_session_without_research(uuid) from public, anon;
grant execute on function app.get_session_without_research(uuid) to authenticated, service_role;

-- the session as the sessions area answers it, with the research topic it works on (or null;
-- a session whose kind was changed away from 专题调研 has none)
create function public.get_session(p_session_id uuid) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select app.get_session_without_research(p_session_id) || jsonb_build_object('research_topic', (
    select jsonb_build_object('id', t.id, 'title', t.title, 'brief', t.brief, 'org_name', o.name)
      from app.research_topic_sessions l
      join app.research_topics t on t.id = l.topic_id
      join app.organisations o on o.id = t.org_id
      join app.sessions s on s.id = l.session_id
     where l.session_id = p_session_id and s.kind = 'research'))
$$;
revoke execute on function public.get_session(uuid) from public, anon;
grant execute on function public.get_session(uuid) to authenticated;

-- functions: the roster's flag --------------------------------------------------------------

-- the roster (paged, 202612011402_roster_paging.sql) with each member's and waiting row's cadre flag
create or replace function public.roster(p_org_id uuid, p_after uuid default null, p_limit int default 200) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_manage(p_org_id);
  v_path uuid[];
  v_rank int;
  v_name text;
  v_members jsonb;
  v_next uuid;
begin
  if p_limit is null or p_limit < 1 or p_limit > 500 then
    raise exception using message = 'admin.page_size_invalid', errcode = 'P0001';
  end if;
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

  with page as (
    select m.id, m.user_id, p.display_name, p.school, p.position, c.phone, m.role, o.id as org_id, o.name as org_name,
           m.joined_at, m.is_cadre, row_number() over (order by o.path, -app.rank_of(m.role), p.display_name, m.id) as n
      from app.memberships m
      join app.organisations o on o.id = m.org_id
      join app.profiles p on p.user_id = m.user_id
      left join app.profile_contacts c on c.user_id = m.user_id
     where o.path @> array[p_org_id] and m.ended_at is null
       and (p_after is null or (o.path, -app.rank_of(m.role), p.display_name, m.id) > (v_path, v_rank, v_name, p_after))
     order by o.path, -app.rank_of(m.role), p.display_name, m.id
     limit p_limit + 1
  )
  select coalesce(jsonb_agg(jsonb_build_object(
             'membership_id', x.id, 'user_id', x.user_id, 'display_name', x.display_name,
             'school', x.school, 'position', x.position, 'phone', x.phone, 'role', x.role,
             'org_id', x.org_id, 'org_name', x.org_name, 'joined_at', x.joined_at, 'is_me', x.user_id = v_uid,
             'is_cadre', x.is_cadre)
             order by x.n) filter (where x.n <= p_limit), '[]'::jsonb),
         (select l.id from page l where l.n = p_limit and exists (select 1 from page z where z.n > p_limit))
    into v_members, v_next
    from page x;

  return jsonb_build_object(
    'org_id', p_org_id,
    'my_rank', app.org_rank(p_org_id),
    'members', v_members,
    'next', v_next,
    -- first page only: active members per organisation, and the roster rows still waiting
    'org_counts', case when p_after is null then coalesce((
        select jsonb_object_agg(x.org_id, x.n)
          from (select m.org_id, count(*)::int as n
                  from app.memberships m join app.organisations o on o.id = m.org_id
                 where o.path @> array[p_org_id] and m.ended_at is null
                 group by m.org_id) x), '{}'::jsonb) end,
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
revoke execute on function public.roster(uuid, uuid, int) from public, anon;
grant execute on function public.roster(uuid, uuid, int) to authenticated;

-- functions: the import's column ------------------------------------------------------------

-- The 副校级以上干部 column as secretaries fill it: empty or 否 is not a cadre, 是 is; anything
-- else is a mistake shown against its row (null here), never guessed.
create function app.parse_cadre(p_value text) returns boolean
language sql immutable set search_path = '' as $$
  select case lower(btrim(coalesce(p_value, '')))
    when '' then false when '否' then false when 'n' then false when 'no' then false when 'false' then false when '0' then false
    when '×' then false when '不是' then false
    when '是' then true when 'y' then true when 'yes' then true when 'true' then true when '1' then true
    when '√' then true when '✓' then true when '副校级以上' then true when '副校级以上干部' then true
    else null
  end
$$;
revoke execute on function app.parse_cadre(text) from public, anon;
grant execute on function app.parse_cadre(text) to authenticated, service_role;

alter function app.roster_check_rows(uuid, jsonb) rename to roster_check_rows_without_research;
revoke execute on function app.roster_check_rows_without_research(uuid, jsonb) from public, anon;
grant execute on function app.roster_check_rows_without_research(uuid, jsonb) to authenticated, service_role;

-- The rows checked as the management area checks them, each with its cadre flag, or the error
-- cadre_invalid; roster_import_check and roster_import call this by name.
create function app.roster_check_rows(p_org uuid, p_rows jsonb) returns jsonb
language sql stable set search_path = '' as $$
  select coalesce(jsonb_agg(
           case when jsonb_typeof(p_rows -> (c ->> 'index')::int) <> 'object' then c
                when app.parse_cadre(p_rows -> (c ->> 'index')::int ->> 'cadre') is null
                  then jsonb_set(c, '{errors}', (c -> 'errors') || '["cadre_invalid"]'::jsonb) || jsonb_build_object('is_cadre', null)
                else c || jsonb_build_object('is_cadre', app.parse_cadre(p_rows -> (c ->> 'index')::int ->> 'cadre')) end
           order by n), '[]'::jsonb)
    from jsonb_array_elements(app.roster_check_rows_without_research(p_org, p_rows)) with ordinality as e(c, n)
$$;
revoke execute on function app.roster_check_rows(uuid, jsonb) from public, anon;
grant execute on function app.roster_check_rows(uuid, jsonb) to authenticated, service_role;

alter function public.roster_import(uuid, uuid, jsonb) rename to roster_import_without_research;
alter function public.roster_import_without_research(uuid, uuid, jsonb) set schema app;
revoke execute on function app.roster_import_without_research(uuid, uuid, jsonb) from public, anon;
grant execute on function app.roster_import_without_research(uuid, uuid, jsonb) to authenticated, service_role;

-- The import as the management area saves it; then each saved row takes its cadre flag (rows
-- with a bad flag were left out by the check above). Phones are unique within one import
-- (phone_duplicate), so (import, phone) names the row. A retry changes nothing more.
create function public.roster_import(p_id uuid, p_org_id uuid, p_rows jsonb) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_retry boolean := exists (select 1 from app.roster_imports i where i.id = p_id);
  v_result jsonb := app.roster_import_without_research(p_id, p_org_id, p_rows);
begin
  if not v_retry then
    update app.pending_members pm set is_cadre = x.cadre
      from (select app.normalise_phone(r ->> 'phone') as phone, app.parse_cadre(r ->> 'cadre') as cadre
              from jsonb_array_elements(p_rows) r where jsonb_typeof(r) = 'object') x
     where pm.import_id = p_id and pm.attached_at is null and pm.phone = x.phone and x.cadre is not null;
  end if;
  return v_result;
end
$$;
revoke execute on function public.roster_import(uuid, uuid, jsonb) from public, anon;
grant execute on function public.roster_import(uuid, uuid, jsonb) to authenticated;

-- A member moved to another organisation (public.member_move ends the old membership and makes a
-- new one, in one transaction) stays the cadre they were: the flag is their position, not the
-- branch's. Recognised by the old row having been ended in this very transaction (its xmin), so
-- whatever date the move records, and no other path (a later re-join) inherits it.
create function app.memberships_keep_cadre() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if exists (select 1 from app.memberships m
              where m.user_id = new.user_id and m.is_cadre and m.ended_at is not null
                and m.xmin::text = (pg_current_xact_id()::text::numeric % 4294967296)::text) then
    new.is_cadre := true;
  end if;
  return new;
end
$$;
revoke execute on function app.memberships_keep_cadre() from public, anon, authenticated;

create trigger memberships_keep_cadre before insert on app.memberships
  for each row when (not new.is_cadre) execute function app.memberships_keep_cadre();
