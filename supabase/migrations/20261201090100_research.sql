-- Research (专题调研): the year's research topics (调研课题), the cadre flag on memberships
-- (副校级以上干部), research articles with their review (draft → submitted → returned/recommended
-- → selected), the year's collection (《党建工作成果集》) and who still owes an article.
-- Plan 三.2: "全年副校级以上干部撰写调研文章1篇以上，局党委将精选篇目编入《…党建工作成果集》".

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- types -------------------------------------------------------------------------------------
-- (none: states are text with checks, as elsewhere)

-- tables ------------------------------------------------------------------------------------

comment on column app.memberships.is_cadre is 'A cadre of vice-principal level or above (副校级以上干部): owes one research article a year.';

create table app.research_topics (
  id uuid primary key,
  org_id uuid not null references app.organisations (id),
  year int not null check (year between 2000 and 2100),
  title text not null check (char_length(btrim(title)) between 1 and 80),
  brief text not null default '' check (char_length(brief) <= 2000),
  sort_order int not null default 0,
  created_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- tables ------------------------------------------------------------------------------------
  retired_at timestamptz
);

comment on table app.research_topics is 'Suggested research topics of a year, published by the bureau or a school committee with a short brief.';

create table app.research_topic_sessions (
  session_id uuid primary key references app.sessions (id) on delete cascade,
  topic_id uuid not null references app.research_topics (id) on delete cascade,
  linked_by uuid references app.profiles (user_id) on delete set null,
  linked_at timestamptz not null default now()
);

comment on table app.research_topic_sessions is 'A 专题调研 session linked to the research topic it works on (a link table so the sessions area keeps its table).';

create table app.research_articles (
  id uuid primary key,
  author_id uuid not null references app.profiles (user_id) on delete cascade,
  org_id uuid not null references app.organisations (id),
  topic_id uuid references app.research_topics (id) on delete set null,
  year int not null check (year between 2000 and 2100),
  title text not null default '' check (char_length(title) <= 80),
  body text not null default '' check (char_length(body) <= 30000),
  state text not null default 'draft' check (state in ('draft', 'submitted', 'returned', 'recommended', 'selected')),
  -- the client's save counter: a save with a lower one (an old retry) never overwrites a newer
  rev int not null default 0 check (rev >= 0),
  submitted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table app.research_articles is 'A research article (调研文章): plain text with headings; written by its author, reviewed by the secretary of its organisation, selected by the bureau.';

create table app.research_events (
  id bigint generated always as identity primary key,
  article_id uuid not null references app.research_articles (id) on delete cascade,
  actor_id uuid references app.profiles (user_id) on delete set null,
  action text not null check (action in ('submit', 'withdraw', 'return', 'recommend', 'select', 'unselect')),
  comment text not null default '' check (char_length(comment) <= 1000),
  at timestamptz not null default now()
);

comment on table app.research_events is 'Where an article has been: each submission and decision with its comment, shown to the author.';

create table app.research_collections (
  id uuid primary key default gen_random_uuid(),
  year int not null unique check (year between 2000 and 2100),
  title text not null check (char_length(btrim(title)) between 1 and 80),
  foreword text not null default '' check (char_length(foreword) <= 10000),
  published_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

comment on table app.research_collections is 'The year''s 《党建工作成果集》: foreword, sections, ordered articles; members read it once published.';

create table app.research_sections (
  id uuid primary key,
  collection_id uuid not null references app.research_collections (id) on delete cascade,
  title text not null check (char_length(btrim(title)) between 1 and 60),
  sort_order int not null default 0
);

comment on table app.research_sections is 'A section (篇/章) of a collection.';

create table app.research_collection_items (
  article_id uuid primary key references app.research_articles (id) on delete cascade,
  collection_id uuid not null references app.research_collections (id) on delete cascade,
  section_id uuid references app.research_sections (id) on delete set null,
  sort_order int not null default 0,
  -- as printed: the author's name, school and position when the article was selected
  author_name text not null,
  school text not null default '',
  position text not null default '',
  org_name text not null default ''
);

comment on table app.research_collection_items is 'A selected article''s place in its collection, with the byline as printed.';

-- indexes -----------------------------------------------------------------------------------
create index research_topics_org_year_idx on app.research_topics (org_id, year);
create index research_topics_created_by_idx on app.research_topics (created_by);
create index research_topic_sessions_topic_id_idx on app.research_topic_sessions (topic_id);
create index research_topic_sessions_linked_by_idx on app.research_topic_sessions (linked_by);
create index research_articles_author_idx on app.research_articles (author_id, year);
create index research_articles_org_state_idx on app.research_articles (org_id, state);
create index research_articles_topic_id_idx on app.research_articles (topic_id);
create index research_events_article_idx on app.research_events (article_id, at);
create index research_events_actor_id_idx on app.research_events (actor_id);
create index research_sections_collection_idx on app.research_sections (collection_id, sort_order);
create index research_collection_items_collection_idx on app.research_collection_items (collection_id, sort_order);
create index research_collection_items_section_id_idx on app.research_collection_items (section_id);

-- triggers ----------------------------------------------------------------------------------
create trigger research_topics_touch before update on app.research_topics
  for each row execute function app.touch_updated_at();

create trigger research_collections_touch before update on app.research_collections
  for each row execute function app.touch_updated_at();

-- An article is its author's to change while it is a draft or returned to them: the guard below,
-- the save and the screen's can_edit all ask this.
create function app.research_editable(p_a app.research_articles) returns boolean
language sql stable set search_path = '' as $$
  select p_a.state in ('draft', 'returned') and p_a.author_id is not distinct from (select auth.uid())
$$;
revoke execute on function app.research_editable(app.research_articles) from public;
grant execute on function app.research_editable(app.research_articles) to authenticated, service_role;

-- Who wrote it, where and when never change; the text changes only by its author while it is
-- theirs to change. Holds for every path into the table, not only the API.
create function app.research_articles_guard() returns trigger
language plpgsql set search_path = '' as $$
begin
  if new.author_id <> old.author_id or new.year <> old.year then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  if (new.title, new.body, new.topic_id, new.org_id) is distinct from (old.title, old.body, old.topic_id, old.org_id)
     and not app.research_editable(old) then
    raise exception using message = 'research.not_editable', errcode = 'PT409';
  end if;
  new.updated_at := now();
  return new;
end
$$;
revoke execute on function app.research_articles_guard() from public;
grant execute on function app.research_articles_guard() to authenticated, service_role;

create trigger research_articles_guard before update on app.research_articles
  for each row execute function app.research_articles_guard();

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
revoke execute on function app.pending_members_carry_cadre() from public;

create trigger pending_members_carry_cadre after update of attached_at on app.pending_members
  for each row when (old.attached_at is null and new.attached_at is not null and new.is_cadre)
  execute function app.pending_members_carry_cadre();

-- Retire a topic (or bring it back), by whoever may edit it.
create function public.research_topic_retire(p_id uuid, p_retired boolean default true) returns jsonb
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
revoke execute on function public.research_topic_retire(uuid, boolean) from public, anon;
grant execute on function public.research_topic_retire(uuid, boolean) to authenticated;

-- RLS ---------------------------------------------------------------------------------------
alter table app.research_topics enable row level security;
alter table app.research_topic_sessions enable row level security;
alter table app.research_articles enable row level security;
alter table app.research_events enable row level security;
alter table app.research_collections enable row level security;
alter table app.research_sections enable row level security;
alter table app.research_collection_items enable row level security;

create policy research_topics_select on app.research_topics for select to authenticated
  using (org_id in (select app.visible_org_ids()));

create policy research_topics_insert on app.research_topics for insert to authenticated
  with check (org_id in (select app.managed_org_ids()));

create policy research_topics_update on app.research_topics for update to authenticated
  using (org_id in (select app.managed_org_ids())) with check (org_id in (select app.managed_org_ids()));

create policy research_topic_sessions_select on app.research_topic_sessions for select to authenticated
  using (app.can_see_session(session_id));

create policy research_topic_sessions_insert on app.research_topic_sessions for insert to authenticated
  with check (exists (select 1 from app.sessions s where s.id = session_id and s.org_id in (select app.managed_org_ids())));

create policy research_topic_sessions_update on app.research_topic_sessions for update to authenticated
  using (exists (select 1 from app.sessions s where s.id = session_id and s.org_id in (select app.managed_org_ids())))
  with check (exists (select 1 from app.sessions s where s.id = session_id and s.org_id in (select app.managed_org_ids())));

create policy research_topic_sessions_delete on app.research_topic_sessions for delete to authenticated
  using (exists (select 1 from app.sessions s where s.id = session_id and s.org_id in (select app.managed_org_ids())));

-- Mine in any state; once submitted, the secretaries of its organisation (and above); once
-- recommended, the bureau; once in a published collection, every member.
create policy research_articles_select on app.research_articles for select to authenticated
  using (
    author_id = (select auth.uid())
    or (state <> 'draft' and org_id in (select app.managed_org_ids()))
    or (state in ('recommended', 'selected') and (select app.is_bureau_admin()))
    or (state = 'selected' and (select app.is_member_anywhere()) and exists (
      select 1 from app.research_collection_items i join app.research_collections c on c.id = i.collection_id
       where i.article_id = research_articles.id and c.published_at is not null))
  );

create policy research_articles_insert on app.research_articles for insert to authenticated
  with check (author_id = (select auth.uid()) and state = 'draft' and exists (
    select 1 from app.memberships m where m.user_id = (select auth.uid()) and m.org_id = research_articles.org_id and m.ended_at is null));

create policy research_articles_update on app.research_articles for update to authenticated
  using (author_id = (select auth.uid()) or org_id in (select app.managed_org_ids()) or (select app.is_bureau_admin()))
  with check (author_id = (select auth.uid()) or org_id in (select app.managed_org_ids()) or (select app.is_bureau_admin()));

-- an event is seen with its article (the article's policy decides)
create policy research_events_select on app.research_events for select to authenticated
  using (exists (select 1 from app.research_articles a where a.id = article_id));

create policy research_events_insert on app.research_events for insert to authenticated
  with check (actor_id = (select auth.uid()) and exists (select 1 from app.research_articles a where a.id = article_id));

create policy research_collections_select on app.research_collections for select to authenticated
  using ((select app.is_bureau_admin()) or (published_at is not null and (select app.is_member_anywhere())));

create policy research_collections_insert on app.research_collections for insert to authenticated
  with check ((select app.is_bureau_admin()));

create policy research_collections_update on app.research_collections for update to authenticated
  using ((select app.is_bureau_admin())) with check ((select app.is_bureau_admin()));

create policy research_sections_select on app.research_sections for select to authenticated
  using (exists (select 1 from app.research_collections c where c.id = collection_id));

create policy research_sections_insert on app.research_sections for insert to authenticated
  with check ((select app.is_bureau_admin()));

create policy research_sections_update on app.research_sections for update to authenticated
  using ((select app.is_bureau_admin())) with check ((select app.is_bureau_admin()));

create policy research_sections_delete on app.research_sections for delete to authenticated
  using ((select app.is_bureau_admin()));

create policy research_collection_items_select on app.research_collection_items for select to authenticated
  using ((select app.is_bureau_admin()) or exists (
    select 1 from app.research_collections c where c.id = collection_id and c.published_at is not null));

create policy research_collection_items_insert on app.research_collection_items for insert to authenticated
  with check ((select app.is_bureau_admin()));

create policy research_collection_items_update on app.research_collection_items for update to authenticated
  using ((select app.is_bureau_admin())) with check ((select app.is_bureau_admin()));

create policy research_collection_items_delete on app.research_collection_items for delete to authenticated
  using ((select app.is_bureau_admin()));

-- functions: helpers ------------------------------------------------------------------------

-- the year as the bureau counts it
create function app.research_year() returns int
language sql stable set search_path = '' as $$
  select extract(year from now() at time zone 'Asia/Shanghai')::int
$$;
revoke execute on function app.research_year() from public;
grant execute on function app.research_year() to authenticated, service_role;

create function app.research_article_json(p_a app.research_articles) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object(
    'id', p_a.id, 'title', p_a.title, 'body', p_a.body, 'state', p_a.state, 'year', p_a.year, 'rev', p_a.rev,
    'topic_id', p_a.topic_id, 'topic_title', (select t.title from app.research_topics t where t.id = p_a.topic_id),
    'org_id', p_a.org_id, 'org_name', (select o.name from app.organisations o where o.id = p_a.org_id),
    'author_id', p_a.author_id,
    'author_name', (select p.display_name from app.profiles p where p.user_id = p_a.author_id),
    'author_school', (select p.school from app.profiles p where p.user_id = p_a.author_id),
    'author_position', (select p.position from app.profiles p where p.user_id = p_a.author_id),
    'submitted_at', p_a.submitted_at, 'updated_at', p_a.updated_at,
    'events', coalesce((
      select jsonb_agg(jsonb_build_object('action', e.action, 'comment', e.comment, 'at', e.at,
               'actor_name', (select p.display_name from app.profiles p where p.user_id = e.actor_id)) order by e.at, e.id)
        from app.research_events e where e.article_id = p_a.id), '[]'::jsonb)
  )
$$;
revoke execute on function app.research_article_json(app.research_articles) from public;
grant execute on function app.research_article_json(app.research_articles) to authenticated, service_role;

-- An article I may act on, locked; not found (or not visible) is 404.
create function app.research_article_for_update(p_id uuid) returns app.research_articles
language plpgsql set search_path = '' as $$
declare
  v_a app.research_articles;
begin
  if p_id is null then
    raise exception using message = 'research.id_required', errcode = 'P0001';
  end if;
  select * into v_a from app.research_articles a where a.id = p_id for update;
  if not found then
    raise exception using message = 'research.article_not_found', errcode = 'PT404';
  end if;
  return v_a;
end
$$;
revoke execute on function app.research_article_for_update(uuid) from public;
grant execute on function app.research_article_for_update(uuid) to authenticated, service_role;

-- My own article, locked: only its author submits it or takes it back (another's: not allowed).
create function app.research_my_article_for_update(p_id uuid) returns app.research_articles
language plpgsql set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_a app.research_articles := app.research_article_for_update(p_id);
begin
  if v_a.author_id <> v_uid then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  return v_a;
end
$$;
revoke execute on function app.research_my_article_for_update(uuid) from public;
grant execute on function app.research_my_article_for_update(uuid) to authenticated, service_role;

-- Moves an article from one of p_from to p_to, recording the event and auditing decisions.
create function app.research_transition(p_a app.research_articles, p_from text[], p_to text, p_action text, p_comment text)
returns app.research_articles
language plpgsql set search_path = '' as $$
declare
  v_new app.research_articles;
begin
  if not (p_a.state = any (p_from)) then
    raise exception using message = 'research.wrong_state', errcode = 'PT409';
  end if;
  update app.research_articles a
     set state = p_to,
         submitted_at = case when p_to = 'submitted' then now() else a.submitted_at end
   where a.id = p_a.id
  returning * into v_new;
  insert into app.research_events (article_id, actor_id, action, comment)
  values (p_a.id, auth.uid(), p_action, coalesce(p_comment, ''));
  if p_action in ('return', 'recommend', 'select', 'unselect') then
    perform app.audit(p_a.org_id, 'research.' || p_action, p_a.id,
      jsonb_build_object('from', p_a.state, 'to', p_to, 'comment', coalesce(p_comment, '')));
  end if;
  return v_new;
end
$$;
revoke execute on function app.research_transition(app.research_articles, text[], text, text, text) from public;
grant execute on function app.research_transition(app.research_articles, text[], text, text, text) to authenticated, service_role;

-- Per organisation I manage, its cadres and whether each has submitted this year. Crosses RLS on
-- purpose: a cadre's article may be filed under another of their organisations, which this
-- secretary cannot read; only the yes/no leaves this function, and only for organisations the
-- caller manages.
create function app.research_owed_rows(p_year int)
returns table (org_id uuid, org_name text, org_path uuid[], user_id uuid, display_name text, submitted boolean)
language sql stable security definer set search_path = '' as $$
  select o.id, o.name, o.path, m.user_id, p.display_name,
         exists (select 1 from app.research_articles a
                  where a.author_id = m.user_id and a.year = p_year and a.state in ('submitted', 'recommended', 'selected'))
    from app.memberships m
    join app.organisations o on o.id = m.org_id
    join app.profiles p on p.user_id = m.user_id
   where m.is_cadre and m.ended_at is null and o.retired_at is null
     and m.org_id in (select app.managed_org_ids())
$$;
revoke execute on function app.research_owed_rows(integer) from public;
grant execute on function app.research_owed_rows(integer) to authenticated, service_role;

-- functions: topics -------------------------------------------------------------------------

-- The year's topics I can see; retired ones only for those who may bring them back.
create function public.research_topics(p_year int default null) returns jsonb
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
revoke execute on function public.research_topics(integer) from public, anon;
grant execute on function public.research_topics(integer) to authenticated;

-- Publish or edit a topic (bureau or a school committee's secretary). p_id is made by the client.
create function public.research_topic_save(p_id uuid, p_org_id uuid, p_title text, p_brief text default '', p_year int default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := btrim(coalesce(p_title, ''));
  v_brief text := btrim(coalesce(p_brief, ''));
  v_year int := coalesce(p_year, app.research_year());
  v_old app.research_topics;
begin
  if p_id is null then
    raise exception using message = 'research.id_required', errcode = 'P0001';
  elsif v_title = '' or char_length(v_title) > 80 then
    raise exception using message = 'research.topic_title_invalid', errcode = 'P0001';
  elsif char_length(v_brief) > 2000 then
    raise exception using message = 'research.topic_brief_too_long', errcode = 'P0001';
  elsif v_year not between 2000 and 2100 then
    raise exception using message = 'research.year_invalid', errcode = 'P0001';
  end if;
  if p_org_id is null or not exists (
    select 1 from app.organisations o where o.id = p_org_id and o.kind in ('bureau', 'committee', 'general_branch')
  ) then
    raise exception using message = 'research.topic_org_invalid', errcode = 'P0001';
  elsif not app.can_manage(p_org_id) then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  select * into v_old from app.research_topics t where t.id = p_id;
  if found and (v_old.org_id <> p_org_id or not app.can_manage(v_old.org_id)) then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  insert into app.research_topics (id, org_id, year, title, brief, created_by)
  values (p_id, p_org_id, v_year, v_title, v_brief, v_uid)
  on conflict (id) do update set title = excluded.title, brief = excluded.brief, year = excluded.year;
  perform app.audit(p_org_id, 'research.save_topic', p_id, jsonb_build_object('title', v_title, 'year', v_year));
  return jsonb_build_object('id', p_id, 'title', v_title, 'brief', v_brief, 'year', v_year, 'org_id', p_org_id);
end
$$;
revoke execute on function public.research_topic_save(uuid, uuid, text, text, integer) from public, anon;
grant execute on function public.research_topic_save(uuid, uuid, text, text, integer) to authenticated;

-- Link a 专题调研 session to a topic (null unlinks): a current topic of the bureau or of an
-- organisation above or at the session's own, so a school's topic is not linked from another.
create function public.research_topic_link_session(p_session_id uuid, p_topic_id uuid) returns jsonb
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
revoke execute on function public.research_topic_link_session(uuid, uuid) from public, anon;
grant execute on function public.research_topic_link_session(uuid, uuid) to authenticated;

-- The secretary marks (or unmarks) a member as a cadre of vice-principal level or above.
create function public.member_set_cadre(p_membership_id uuid, p_is_cadre boolean) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_org uuid;
begin
  perform app.require_user();
  if p_is_cadre is null then
    raise exception using message = 'research.cadre_invalid', errcode = 'P0001';
  end if;
  select m.org_id into v_org from app.memberships m where m.id = p_membership_id and m.ended_at is null;
  if not found then
    raise exception using message = 'research.membership_not_found', errcode = 'PT404';
  elsif not app.can_manage(v_org) then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  update app.memberships m set is_cadre = p_is_cadre where m.id = p_membership_id and m.is_cadre <> p_is_cadre;
  if found then
    perform app.audit(v_org, 'research.set_cadre', p_membership_id, jsonb_build_object('is_cadre', p_is_cadre));
  end if;
  return jsonb_build_object('membership_id', p_membership_id, 'is_cadre', p_is_cadre);
end
$$;
revoke execute on function public.member_set_cadre(uuid, boolean) from public, anon;
grant execute on function public.member_set_cadre(uuid, boolean) to authenticated;

-- Save my draft as I type (made on the phone with its id, sent now or from the outbox later).
-- p_rev counts the saves of this draft on the client: a save whose rev is not above the stored
-- one is an old retry and changes nothing, so a late retry never undoes newer text.
create function public.research_draft_save(
  p_id uuid, p_title text, p_body text, p_topic_id uuid default null, p_org_id uuid default null, p_rev int default 0
) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := btrim(coalesce(p_title, ''));
  v_body text := coalesce(p_body, '');
  v_org uuid;
  v_old app.research_articles;
  v_new app.research_articles;
begin
  if p_id is null then
    raise exception using message = 'research.id_required', errcode = 'P0001';
  elsif char_length(v_title) > 80 then
    raise exception using message = 'research.title_too_long', errcode = 'P0001';
  elsif char_length(v_body) > 30000 then
    raise exception using message = 'research.body_too_long', errcode = 'P0001';
  elsif p_rev is null or p_rev < 0 then
    raise exception using message = 'research.rev_invalid', errcode = 'P0001';
  end if;
  if p_topic_id is not null and not exists (select 1 from app.research_topics t where t.id = p_topic_id) then
    raise exception using message = 'research.topic_not_found', errcode = 'PT404';
  end if;
  -- filed under the organisation asked for (one of mine), else my lowest one
  select m.org_id into v_org
    from app.memberships m join app.organisations o on o.id = m.org_id
   where m.user_id = v_uid and m.ended_at is null and (p_org_id is null or m.org_id = p_org_id)
   order by array_length(o.path, 1) desc, o.name
   limit 1;
  if v_org is null then
    raise exception using message = 'research.org_invalid', errcode = 'P0001';
  end if;

  -- another's article is not visible (RLS) unless I review it; either way not mine to write
  if exists (select 1 from app.research_articles a where a.id = p_id and a.author_id <> v_uid) then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  select * into v_old from app.research_articles a where a.id = p_id and a.author_id = v_uid for update;
  if not found then
    insert into app.research_articles (id, author_id, org_id, topic_id, year, title, body, rev)
    values (p_id, v_uid, v_org, p_topic_id, app.research_year(), v_title, v_body, p_rev)
    on conflict (id) do nothing
    returning * into v_new;
    if v_new.id is null then
      -- made by a concurrent retry of the same save, or someone else's id
      raise exception using message = 'research.not_allowed', errcode = '42501';
    end if;
  elsif p_rev <= v_old.rev then
    v_new := v_old;
  elsif not app.research_editable(v_old) then
    raise exception using message = 'research.not_editable', errcode = 'PT409';
  else
    update app.research_articles a
       set title = v_title, body = v_body, topic_id = p_topic_id, rev = p_rev,
           org_id = case when a.state = 'draft' then v_org else a.org_id end
     where a.id = p_id
    returning * into v_new;
  end if;
  return app.research_article_json(v_new);
end
$$;
revoke execute on function public.research_draft_save(uuid, text, text, uuid, uuid, integer) from public, anon;
grant execute on function public.research_draft_save(uuid, text, text, uuid, uuid, integer) to authenticated;

-- Submit my draft (or my revised, returned article) to my organisation. A retry of a submission
-- that went through answers the article as it is.
create function public.research_article_submit(p_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_a app.research_articles := app.research_my_article_for_update(p_id);
begin
  if v_a.state = 'submitted' then
    return app.research_article_json(v_a);
  elsif btrim(v_a.title) = '' then
    raise exception using message = 'research.title_required', errcode = 'P0001';
  elsif char_length(btrim(v_a.body)) < 20 then
    raise exception using message = 'research.body_too_short', errcode = 'P0001';
  end if;
  return app.research_article_json(app.research_transition(v_a, array['draft', 'returned'], 'submitted', 'submit', ''));
end
$$;
revoke execute on function public.research_article_submit(uuid) from public, anon;
grant execute on function public.research_article_submit(uuid) to authenticated;

-- Take my submission back before it is reviewed.
create function public.research_article_withdraw(p_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_a app.research_articles := app.research_my_article_for_update(p_id);
begin
  if v_a.state = 'draft' then
    return app.research_article_json(v_a);
  end if;
  return app.research_article_json(app.research_transition(v_a, array['submitted'], 'draft', 'withdraw', ''));
end
$$;
revoke execute on function public.research_article_withdraw(uuid) from public, anon;
grant execute on function public.research_article_withdraw(uuid) to authenticated;

-- The secretary's decision on a submission: return it with a comment, or recommend it upward.
create function public.research_article_review(p_id uuid, p_decision text, p_comment text default '') returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_comment text := btrim(coalesce(p_comment, ''));
  v_a app.research_articles;
begin
  if p_decision is null or p_decision not in ('return', 'recommend') then
    raise exception using message = 'research.decision_invalid', errcode = 'P0001';
  elsif p_decision = 'return' and v_comment = '' then
    raise exception using message = 'research.comment_required', errcode = 'P0001';
  elsif char_length(v_comment) > 1000 then
    raise exception using message = 'research.comment_too_long', errcode = 'P0001';
  end if;
  v_a := app.research_article_for_update(p_id);
  if v_a.author_id = v_uid or not app.can_manage(v_a.org_id) then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  return app.research_article_json(app.research_transition(
    v_a, array['submitted'], case p_decision when 'return' then 'returned' else 'recommended' end, p_decision, v_comment));
end
$$;
revoke execute on function public.research_article_review(uuid, text, text) from public, anon;
grant execute on function public.research_article_review(uuid, text, text) to authenticated;

-- Submissions to the organisations I manage (not drafts), waiting ones first.
create function public.research_review_list(p_year int default null) returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(app.research_article_json(a) - 'body' - 'events'
           || jsonb_build_object('last_comment', (select e.comment from app.research_events e
                                   where e.article_id = a.id and e.action in ('return', 'recommend') order by e.at desc, e.id desc limit 1))
           order by (a.state = 'submitted') desc, a.submitted_at desc nulls last), '[]'::jsonb)
    from app.research_articles a
   where a.year = coalesce(p_year, app.research_year())
     and a.state <> 'draft' and a.org_id in (select app.managed_org_ids())
     and a.author_id <> (select auth.uid())
$$;
revoke execute on function public.research_review_list(integer) from public, anon;
grant execute on function public.research_review_list(integer) to authenticated;

-- My articles, newest first, with where each stands.
create function public.my_research_articles() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(app.research_article_json(a) - 'body' order by a.updated_at desc), '[]'::jsonb)
    from app.research_articles a
   where a.author_id = (select auth.uid())
$$;
revoke execute on function public.my_research_articles() from public, anon;
grant execute on function public.my_research_articles() to authenticated;

create function public.research_article(p_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_a app.research_articles;
begin
  perform app.require_user();
  select * into v_a from app.research_articles a where a.id = p_id;
  if not found then
    raise exception using message = 'research.article_not_found', errcode = 'PT404';
  end if;
  return app.research_article_json(v_a)
    || jsonb_build_object('can_edit', app.research_editable(v_a),
                          'can_review', v_a.state = 'submitted' and v_a.author_id <> (select auth.uid()) and app.can_manage(v_a.org_id));
end
$$;
revoke execute on function public.research_article(uuid) from public, anon;
grant execute on function public.research_article(uuid) to authenticated;

-- Per organisation I manage: its cadres who have and have not submitted this year. Counts and
-- names only, in name order within each organisation: no ranking.
create function public.research_owed(p_year int default null) returns jsonb
language sql stable security invoker set search_path = '' as $$
  with r as (select * from app.research_owed_rows(coalesce(p_year, app.research_year())))
  select coalesce(jsonb_agg(x.j order by x.path_len, x.org_name), '[]'::jsonb)
    from (
      select r.org_id, r.org_name, array_length(r.org_path, 1) as path_len,
             jsonb_build_object(
               'org_id', r.org_id, 'org_name', r.org_name,
               'cadres', count(*), 'submitted', count(*) filter (where r.submitted),
               'owing', count(*) filter (where not r.submitted),
               'submitted_names', coalesce(jsonb_agg(r.display_name order by r.display_name) filter (where r.submitted), '[]'::jsonb),
               'owing_names', coalesce(jsonb_agg(r.display_name order by r.display_name) filter (where not r.submitted), '[]'::jsonb)
             ) as j
        from r group by r.org_id, r.org_name, r.org_path
    ) x
$$;
revoke execute on function public.research_owed(integer) from public, anon;
grant execute on function public.research_owed(integer) to authenticated;

-- The collection of a year, made on first use by the bureau.
create function app.research_collection_of(p_year int) returns app.research_collections
language plpgsql set search_path = '' as $$
declare
  v_c app.research_collections;
begin
  if p_year is null or p_year not between 2000 and 2100 then
    raise exception using message = 'research.year_invalid', errcode = 'P0001';
  end if;
  insert into app.research_collections (year, title) values (p_year, p_year || '年党建工作成果集')
  on conflict (year) do nothing;
  select * into v_c from app.research_collections c where c.year = p_year for update;
  return v_c;
end
$$;
revoke execute on function app.research_collection_of(integer) from public;
grant execute on function app.research_collection_of(integer) to authenticated, service_role;

-- The bureau's list: recommended and selected articles from every school for the year.
create function public.research_recommended(p_year int default null) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
begin
  perform app.require_user();
  if not app.is_bureau_admin() then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  end if;
  return coalesce((
    select jsonb_agg(app.research_article_json(a) - 'body' order by a.state, o.sort_order, a.submitted_at)
      from app.research_articles a join app.organisations o on o.id = a.org_id
     where a.year = coalesce(p_year, app.research_year()) and a.state in ('recommended', 'selected')), '[]'::jsonb);
end
$$;
revoke execute on function public.research_recommended(integer) from public, anon;
grant execute on function public.research_recommended(integer) to authenticated;

-- The bureau selects a recommended article into its year's collection (or takes it out again
-- while the collection is unpublished).
create function public.research_article_select(p_id uuid, p_selected boolean default true, p_section_id uuid default null) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_a app.research_articles;
  v_c app.research_collections;
begin
  perform app.require_user();
  if not app.is_bureau_admin() then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  elsif p_selected is null then
    raise exception using message = 'research.decision_invalid', errcode = 'P0001';
  end if;
  v_a := app.research_article_for_update(p_id);
  if (p_selected and v_a.state = 'selected') or (not p_selected and v_a.state = 'recommended') then
    return app.research_article_json(v_a);
  end if;
  v_c := app.research_collection_of(v_a.year);
  if v_c.published_at is not null then
    raise exception using message = 'research.collection_published', errcode = 'PT409';
  end if;
  if p_section_id is not null and not exists (
    select 1 from app.research_sections s where s.id = p_section_id and s.collection_id = v_c.id
  ) then
    raise exception using message = 'research.section_not_found', errcode = 'PT404';
  end if;
  if p_selected then
    v_a := app.research_transition(v_a, array['recommended'], 'selected', 'select', '');
    insert into app.research_collection_items (article_id, collection_id, section_id, sort_order, author_name, school, position, org_name)
    select v_a.id, v_c.id, p_section_id,
           coalesce((select max(i.sort_order) + 1 from app.research_collection_items i where i.collection_id = v_c.id), 1),
           p.display_name, p.school, p.position, o.name
      from app.profiles p, app.organisations o
     where p.user_id = v_a.author_id and o.id = v_a.org_id;
  else
    v_a := app.research_transition(v_a, array['selected'], 'recommended', 'unselect', '');
    delete from app.research_collection_items i where i.article_id = v_a.id;
  end if;
  return app.research_article_json(v_a);
end
$$;
revoke execute on function public.research_article_select(uuid, boolean, uuid) from public, anon;
grant execute on function public.research_article_select(uuid, boolean, uuid) to authenticated;

-- The collection as a book: foreword, sections in order, articles in order with their bylines.
-- The bureau sees it while it is being made; members once it is published.
create function public.research_collection(p_year int default null) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_c app.research_collections;
begin
  perform app.require_user();
  select * into v_c from app.research_collections c where c.year = coalesce(p_year, app.research_year());
  if not found then
    if app.is_bureau_admin() then
      return jsonb_build_object('id', null, 'year', coalesce(p_year, app.research_year()), 'title',
        coalesce(p_year, app.research_year()) || '年党建工作成果集', 'foreword', '', 'published_at', null,
        'sections', '[]'::jsonb, 'articles', '[]'::jsonb);
    end if;
    raise exception using message = 'research.collection_not_found', errcode = 'PT404';
  end if;
  return jsonb_build_object(
    'id', v_c.id, 'year', v_c.year, 'title', v_c.title, 'foreword', v_c.foreword, 'published_at', v_c.published_at,
    'sections', coalesce((select jsonb_agg(jsonb_build_object('id', s.id, 'title', s.title, 'sort_order', s.sort_order)
                                 order by s.sort_order, s.title)
                            from app.research_sections s where s.collection_id = v_c.id), '[]'::jsonb),
    'articles', coalesce((
      select jsonb_agg(jsonb_build_object('id', a.id, 'title', a.title, 'body', a.body, 'section_id', i.section_id,
               'sort_order', i.sort_order, 'author_name', i.author_name, 'school', i.school, 'position', i.position,
               'org_name', i.org_name)
               order by s.sort_order nulls first, i.sort_order, a.title)
        from app.research_collection_items i
        join app.research_articles a on a.id = i.article_id
        left join app.research_sections s on s.id = i.section_id
       where i.collection_id = v_c.id), '[]'::jsonb));
end
$$;
revoke execute on function public.research_collection(integer) from public, anon;
grant execute on function public.research_collection(integer) to authenticated;

-- Published collections (every member), and the bureau's unpublished ones too.
create function public.research_collections() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object('year', c.year, 'title', c.title, 'published_at', c.published_at,
           'articles', (select count(*) from app.research_collection_items i where i.collection_id = c.id))
           order by c.year desc), '[]'::jsonb)
    from app.research_collections c
$$;
revoke execute on function public.research_collections() from public, anon;
grant execute on function public.research_collections() to authenticated;

-- The bureau edits the book: title, foreword, sections (p_sections: [{id, title}] in order; ids
-- made by the client) and the order of articles (p_order: [{id, section_id}] in order).
-- Anything left out of p_order keeps its place after the listed ones.
create function public.research_collection_save(
  p_year int, p_title text, p_foreword text, p_sections jsonb default '[]', p_order jsonb default '[]', p_published boolean default null
) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_title text := btrim(coalesce(p_title, ''));
  v_foreword text := coalesce(p_foreword, '');
  v_c app.research_collections;
  v_s jsonb;
  v_i int := 0;
begin
  perform app.require_user();
  if not app.is_bureau_admin() then
    raise exception using message = 'research.not_allowed', errcode = '42501';
  elsif v_title = '' or char_length(v_title) > 80 then
    raise exception using message = 'research.collection_title_invalid', errcode = 'P0001';
  elsif char_length(v_foreword) > 10000 then
    raise exception using message = 'research.foreword_too_long', errcode = 'P0001';
  elsif jsonb_typeof(coalesce(p_sections, '[]')) <> 'array' or jsonb_typeof(coalesce(p_order, '[]')) <> 'array'
     or jsonb_array_length(coalesce(p_sections, '[]')) > 30 or jsonb_array_length(coalesce(p_order, '[]')) > 500 then
    raise exception using message = 'research.arrangement_invalid', errcode = 'P0001';
  end if;
  if exists (select 1 from jsonb_array_elements(coalesce(p_sections, '[]')) s
              where jsonb_typeof(s) <> 'object' or jsonb_typeof(s -> 'id') <> 'string'
                 or (s ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                 or char_length(btrim(coalesce(s ->> 'title', ''))) not between 1 and 60)
     or exists (select 1 from jsonb_array_elements(coalesce(p_order, '[]')) s
              where jsonb_typeof(s) <> 'object' or jsonb_typeof(s -> 'id') <> 'string'
                 or (s ->> 'id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                 or (s -> 'section_id' is not null and jsonb_typeof(s -> 'section_id') <> 'null'
                     and ((s ->> 'section_id') is null
                          or (s ->> 'section_id') !~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'))) then
    raise exception using message = 'research.arrangement_invalid', errcode = 'P0001';
  end if;
  v_c := app.research_collection_of(p_year);
  if v_c.published_at is not null and coalesce(p_published, true) then
    raise exception using message = 'research.collection_published', errcode = 'PT409';
  end if;
  -- a section id of another collection is refused before anything changes
  if exists (select 1 from jsonb_array_elements(coalesce(p_sections, '[]')) s
               join app.research_sections x on x.id = (s ->> 'id')::uuid where x.collection_id <> v_c.id)
     or exists (select 1 from jsonb_array_elements(coalesce(p_order, '[]')) s
              where not exists (select 1 from app.research_collection_items i where i.article_id = (s ->> 'id')::uuid and i.collection_id = v_c.id))
     or exists (select 1 from jsonb_array_elements(coalesce(p_order, '[]')) s
              where (s ->> 'section_id') is not null
                and not exists (select 1 from jsonb_array_elements(coalesce(p_sections, '[]')) t where t ->> 'id' = s ->> 'section_id')) then
    raise exception using message = 'research.arrangement_invalid', errcode = 'P0001';
  end if;

  update app.research_collections c set title = v_title, foreword = v_foreword where c.id = v_c.id;
  update app.research_collection_items i set section_id = null where i.collection_id = v_c.id;
  delete from app.research_sections s where s.collection_id = v_c.id
     and s.id not in (select (x ->> 'id')::uuid from jsonb_array_elements(coalesce(p_sections, '[]')) x);
  for v_s in select * from jsonb_array_elements(coalesce(p_sections, '[]')) loop
    v_i := v_i + 1;
    insert into app.research_sections (id, collection_id, title, sort_order)
    values ((v_s ->> 'id')::uuid, v_c.id, btrim(v_s ->> 'title'), v_i)
    on conflict (id) do update set title = excluded.title, sort_order = excluded.sort_order;
  end loop;
  v_i := 0;
  for v_s in select * from jsonb_array_elements(coalesce(p_order, '[]')) loop
    v_i := v_i + 1;
    update app.research_collection_items i set sort_order = v_i, section_id = (v_s ->> 'section_id')::uuid
     where i.article_id = (v_s ->> 'id')::uuid;
  end loop;
  update app.research_collection_items i set sort_order = v_i + i.sort_order + 1000
   where i.collection_id = v_c.id
     and i.article_id not in (select (x ->> 'id')::uuid from jsonb_array_elements(coalesce(p_order, '[]')) x);
  if p_published is not null then
    update app.research_collections c set published_at = case when p_published then now() end where c.id = v_c.id;
    perform app.audit(null, case when p_published then 'research.publish' else 'research.unpublish' end, v_c.id,
      jsonb_build_object('year', v_c.year));
  end if;
  perform app.audit(null, 'research.save_collection', v_c.id,
    jsonb_build_object('year', v_c.year, 'sections', jsonb_array_length(coalesce(p_sections, '[]'))));
  return public.research_collection(v_c.year);
end
$$;
revoke execute on function public.research_collection_save(integer, text, text, jsonb, jsonb, boolean) from public, anon;
grant execute on function public.research_collection_save(integer, text, text, jsonb, jsonb, boolean) to authenticated;
grant select, insert, update on app.research_topics to authenticated;
grant select, insert, update, delete on app.research_topic_sessions to authenticated;
grant select, insert, update on app.research_articles to authenticated;
grant select, insert on app.research_events to authenticated;
grant select, insert, update on app.research_collections to authenticated;
grant select, insert, update, delete on app.research_sections to authenticated;
grant select, insert, update, delete on app.research_collection_items to authenticated;
grant all on app.research_topics, app.research_topic_sessions, app.research_articles, app.research_events,
  app.research_collections, app.research_sections, app.research_collection_items to service_role;

-- Topics can be retired (and are scoped to the session linking them), and the cadre flag travels
-- with a roster row (the import's optional 副校级以上干部 column) into the membership made from it.
-- The roster shows the flag and a session's detail names its topic: those research parts live
-- inside public.roster_import, app.roster_check_rows and public.session_detail, in their own areas.

comment on column app.research_topics.retired_at is 'Set when the publisher retires the topic: no longer offered for new articles or sessions; kept for those that have it.';
comment on column app.pending_members.is_cadre is 'From the roster file''s 副校级以上干部 column: copied to the membership when the row attaches.';

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
revoke execute on function app.parse_cadre(text) from public;
grant execute on function app.parse_cadre(text) to authenticated, service_role;

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
revoke execute on function app.memberships_keep_cadre() from public;

create trigger memberships_keep_cadre before insert on app.memberships
  for each row when (not new.is_cadre) execute function app.memberships_keep_cadre();

reset check_function_bodies;
