-- Topics: the great discussion (献力天府新区建设大讨论) — curated topics drafted by secretaries
-- (for their organisation) and bureau admins (county-wide), replies with quotes and 赞同,
-- moderation (精华, hiding with a reason, lock/close, 讨论成果), live updates over private
-- realtime channels, and per-member read marks for "new to me" counts.

-- As pg_dump does: each function is defined once, where its area first needs it, with its current
-- body, which may read a table that a later part of this file or a later area makes.
set check_function_bodies = off;

-- tables ------------------------------------------------------------------------------------
create table app.topics (
  id uuid primary key default gen_random_uuid(),
  -- the bureau committee for county-wide topics
  org_id uuid not null references app.organisations (id),
  title text not null check (char_length(btrim(title)) between 1 and 80),
  prompt text not null check (char_length(btrim(prompt)) between 1 and 2000),
  status text not null default 'draft' check (status in ('draft', 'open', 'locked', 'closed', 'archived')),
  deadline timestamptz,
  created_by uuid references app.profiles (user_id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  published_at timestamptz,
  closed_at timestamptz,
  summary_post_id uuid,
  last_activity_at timestamptz not null default now(),
  -- replies (not the summary), deleted and hidden ones included: the thread is kept whole
  post_count int not null default 0 check (post_count >= 0)
);

comment on table app.topics is 'A curated discussion topic (精选讨论题目) of an organisation; the bureau''s reach the whole county.';

create table app.posts (
  -- made by the client, so a retried post never doubles
  id uuid primary key,
  topic_id uuid not null references app.topics (id) on delete cascade,
  author_id uuid not null references app.profiles (user_id),
  body text not null check (char_length(body) <= 5000 and (char_length(body) >= 1 or deleted_at is not null)),
  quote_post_id uuid,
  created_at timestamptz not null default now(),
  edited_at timestamptz,
  deleted_at timestamptz,
  hidden_at timestamptz,
  hidden_by uuid references app.profiles (user_id) on delete set null,
  hidden_reason text check (char_length(hidden_reason) <= 200),
  pinned_at timestamptz,
  pinned_by uuid references app.profiles (user_id) on delete set null,
  is_summary boolean not null default false,
  constraint posts_topic_id_key unique (topic_id, id),
  -- a quote points at a post of the same topic
  constraint posts_quote_same_topic foreign key (topic_id, quote_post_id) references app.posts (topic_id, id),
  constraint posts_hidden_complete check ((hidden_at is null) = (hidden_reason is null))
);

comment on table app.posts is 'Replies to a topic, plain text. Deleted and hidden ones stay as placeholders; is_summary marks the 讨论成果.';

alter table app.topics add constraint topics_summary_post_fk
  foreign key (id, summary_post_id) references app.posts (topic_id, id);

create table app.post_reactions (
  post_id uuid not null references app.posts (id) on delete cascade,
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  created_at timestamptz not null default now(),
  primary key (post_id, user_id)
);

comment on table app.post_reactions is '赞同: one per member and post.';

create table app.topic_reads (
  user_id uuid not null references app.profiles (user_id) on delete cascade,
  topic_id uuid not null references app.topics (id) on delete cascade,
  last_read_at timestamptz not null default now(),
  -- topics.post_count when the member last caught up; the difference is "new to me"
  last_read_count int not null default 0 check (last_read_count >= 0),
  primary key (user_id, topic_id)
);

comment on table app.topic_reads is 'How far each member has read each topic.';

-- indexes -----------------------------------------------------------------------------------
create index topics_org_activity_idx on app.topics (org_id, last_activity_at desc);
create index topics_created_by_idx on app.topics (created_by);
create index topics_summary_post_idx on app.topics (id, summary_post_id);

-- keyset paging of a thread: page 1 and page 10,000 cost the same
create index posts_feed_idx on app.posts (topic_id, created_at, id) where not is_summary;
create index posts_author_created_idx on app.posts (author_id, created_at);
create index posts_quote_idx on app.posts (topic_id, quote_post_id) where quote_post_id is not null;
create index posts_pinned_idx on app.posts (topic_id, pinned_at) where pinned_at is not null;
create index posts_hidden_by_idx on app.posts (hidden_by) where hidden_by is not null;
create index posts_pinned_by_idx on app.posts (pinned_by) where pinned_by is not null;
create index post_reactions_user_idx on app.post_reactions (user_id);
create index topic_reads_topic_idx on app.topic_reads (topic_id);

-- triggers ----------------------------------------------------------------------------------
create trigger topics_touch before update on app.topics
  for each row execute function app.touch_updated_at();

-- Members edit only their own words, within the window; moderation is for managers. The API
-- functions say why with a precise key; this is the backstop for anything else run as a user.
create function app.posts_guard() returns trigger
language plpgsql set search_path = '' as $$
declare
  v_uid uuid := auth.uid();
  v_org uuid;
begin
  if v_uid is null then
    return new;
  end if;
  if new.id <> old.id or new.topic_id <> old.topic_id or new.author_id <> old.author_id
     or new.created_at <> old.created_at or new.is_summary <> old.is_summary
     or new.quote_post_id is distinct from old.quote_post_id then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  end if;
  select t.org_id into v_org from app.topics t where t.id = new.topic_id;
  if (new.hidden_at, new.hidden_by, new.hidden_reason, new.pinned_at, new.pinned_by)
     is distinct from (old.hidden_at, old.hidden_by, old.hidden_reason, old.pinned_at, old.pinned_by)
     and not app.can_manage(v_org) then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  end if;
  if (new.body, new.edited_at, new.deleted_at) is distinct from (old.body, old.edited_at, old.deleted_at) then
    if old.is_summary then
      if not app.can_manage(v_org) then
        raise exception using message = 'topics.not_allowed', errcode = '42501';
      end if;
    elsif old.author_id <> v_uid then
      raise exception using message = 'topics.not_author', errcode = '42501';
    elsif old.deleted_at is not null then
      raise exception using message = 'topics.post_deleted', errcode = 'P0001';
    elsif new.deleted_at is null and old.created_at < now() - interval '15 minutes' then
      raise exception using message = 'topics.edit_window_closed', errcode = 'P0001';
    end if;
  end if;
  return new;
end
$$;
revoke execute on function app.posts_guard() from public;
grant execute on function app.posts_guard() to authenticated, service_role;

create trigger posts_guard before update on app.posts
  for each row execute function app.posts_guard();

-- Counts and activity on the topic, and the live signals: a post's id to the topic's channel
-- (joined only by those who may see the topic), the count to the topic's organisation channel
-- (org:X is joined by exactly those for whom X is visible, the same rule as a published topic).
create function app.posts_after_insert() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_org uuid;
  v_count int;
begin
  if new.is_summary then
    select t.org_id, t.post_count into v_org, v_count from app.topics t where t.id = new.topic_id;
  else
    update app.topics t
       set post_count = t.post_count + 1, last_activity_at = greatest(t.last_activity_at, new.created_at)
     where t.id = new.topic_id
    returning t.org_id, t.post_count into v_org, v_count;
  end if;
  perform realtime.send(jsonb_build_object('post_id', new.id, 'topic_id', new.topic_id),
    'post_created', 'topic:' || new.topic_id, true);
  perform realtime.send(jsonb_build_object('topic_id', new.topic_id, 'post_count', v_count),
    'topic_activity', 'org:' || v_org, true);
  return null;
end
$$;
revoke execute on function app.posts_after_insert() from public;
grant execute on function app.posts_after_insert() to authenticated, service_role;

create trigger posts_after_insert after insert on app.posts
  for each row execute function app.posts_after_insert();

create function app.posts_after_update() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  perform realtime.send(jsonb_build_object('post_id', new.id, 'topic_id', new.topic_id),
    'post_updated', 'topic:' || new.topic_id, true);
  return null;
end
$$;
revoke execute on function app.posts_after_update() from public;
grant execute on function app.posts_after_update() to authenticated, service_role;

create trigger posts_after_update after update on app.posts
  for each row
  when ((old.body, old.deleted_at, old.hidden_at, old.hidden_reason, old.pinned_at)
        is distinct from (new.body, new.deleted_at, new.hidden_at, new.hidden_reason, new.pinned_at))
  execute function app.posts_after_update();

create function app.topics_after_update() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  if new.status <> 'draft' then
    perform realtime.send(jsonb_build_object('topic_id', new.id, 'status', new.status),
      'topic_updated', 'topic:' || new.id, true);
    perform realtime.send(jsonb_build_object('topic_id', new.id, 'post_count', new.post_count),
      'topic_activity', 'org:' || new.org_id, true);
  end if;
  return null;
end
$$;
revoke execute on function app.topics_after_update() from public;
grant execute on function app.topics_after_update() to authenticated, service_role;

create trigger topics_after_update after update on app.topics
  for each row
  when ((old.status, old.title, old.prompt, old.deadline, old.summary_post_id)
        is distinct from (new.status, new.title, new.prompt, new.deadline, new.summary_post_id))
  execute function app.topics_after_update();

-- A thread's page checks visibility once, not once per post (issue #15), and
-- 赞同 counts reach everyone on the thread live (issue #14).

-- A like or unlike sends the post's new count to the topic's channel (joined only by those who
-- may see the topic), so every open thread updates without re-reading. The post row is locked
-- first: two likes at once are counted one after the other, so the last count sent is the true one.
create function app.post_reactions_after_change() returns trigger
language plpgsql security definer set search_path = '' as $$
declare
  v_post uuid := coalesce(new.post_id, old.post_id);
  v_topic uuid;
begin
  select p.topic_id into v_topic from app.posts p where p.id = v_post for update;
  if v_topic is null then
    return null; -- the post itself is going away (cascade)
  end if;
  perform realtime.send(jsonb_build_object(
      'post_id', v_post, 'topic_id', v_topic,
      'like_count', (select count(*) from app.post_reactions r where r.post_id = v_post)),
    'post_liked', 'topic:' || v_topic, true);
  return null;
end
$$;
revoke execute on function app.post_reactions_after_change() from public;

create trigger post_reactions_after_change after insert or delete on app.post_reactions
  for each row execute function app.post_reactions_after_change();

-- RLS ---------------------------------------------------------------------------------------
alter table app.topics enable row level security;
alter table app.posts enable row level security;
alter table app.post_reactions enable row level security;
alter table app.topic_reads enable row level security;

-- published topics reach every member of the organisation and below, and managers above
-- (app.visible_org_ids); drafts only their managers
create policy topics_select on app.topics for select to authenticated
  using (
    (status <> 'draft' and org_id in (select app.visible_org_ids()))
    or org_id in (select app.managed_org_ids())
  );

create policy topics_insert on app.topics for insert to authenticated
  with check (org_id in (select app.managed_org_ids()) and created_by = (select auth.uid()));

create policy topics_update on app.topics for update to authenticated
  using (org_id in (select app.managed_org_ids()))
  with check (org_id in (select app.managed_org_ids()));

create policy posts_select on app.posts for select to authenticated
  using (topic_id in (select t.id from app.topics t));

create policy posts_insert on app.posts for insert to authenticated
  with check (
    author_id = (select auth.uid())
    and topic_id in (select t.id from app.topics t where t.status = 'open' or t.org_id in (select app.managed_org_ids()))
  );

create policy posts_update on app.posts for update to authenticated
  using (
    topic_id in (select t.id from app.topics t)
    and (author_id = (select auth.uid())
         or topic_id in (select t.id from app.topics t where t.org_id in (select app.managed_org_ids())))
  )
  with check (topic_id in (select t.id from app.topics t));

-- correlated (one primary-key probe per reaction), not "post_id in (select … posts)", which
-- would hash every visible post of the county for each like count
create policy post_reactions_select on app.post_reactions for select to authenticated
  using (exists (select 1 from app.posts p where p.id = post_reactions.post_id));

create policy post_reactions_insert on app.post_reactions for insert to authenticated
  with check (user_id = (select auth.uid()) and exists (select 1 from app.posts p where p.id = post_reactions.post_id));

create policy post_reactions_delete on app.post_reactions for delete to authenticated
  using (user_id = (select auth.uid()));

create policy topic_reads_select on app.topic_reads for select to authenticated
  using (user_id = (select auth.uid()));

create policy topic_reads_insert on app.topic_reads for insert to authenticated
  with check (user_id = (select auth.uid()) and topic_id in (select t.id from app.topics t));

create policy topic_reads_update on app.topic_reads for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

-- functions: helpers ------------------------------------------------------------------------

-- The real rule behind private channels topic:<uuid>.
create function app.can_see_topic(p_topic uuid) returns boolean
language sql stable security definer set search_path = '' as $$
  select exists (
    select 1 from app.topics t
     where t.id = p_topic
       and ((t.status <> 'draft' and t.org_id in (select app.visible_org_ids()))
            or t.org_id in (select app.managed_org_ids()))
  )
$$;
revoke execute on function app.can_see_topic(uuid) from public;
grant execute on function app.can_see_topic(uuid) to authenticated, service_role;

-- A topic I may see, or topics.not_found (also for one that exists but is not mine to see).
create function app.topic_for_me(p_topic uuid) returns app.topics
language plpgsql stable set search_path = '' as $$
declare
  v app.topics;
begin
  select * into v from app.topics t where t.id = p_topic;
  if not found then
    raise exception using message = 'topics.not_found', errcode = 'PT404';
  end if;
  return v;
end
$$;
revoke execute on function app.topic_for_me(uuid) from public;
grant execute on function app.topic_for_me(uuid) to authenticated, service_role;

create function app.post_for_me(p_post uuid) returns app.posts
language plpgsql stable set search_path = '' as $$
declare
  v app.posts;
begin
  select * into v from app.posts p where p.id = p_post;
  if not found then
    raise exception using message = 'topics.post_not_found', errcode = 'PT404';
  end if;
  return v;
end
$$;
revoke execute on function app.post_for_me(uuid) from public;
grant execute on function app.post_for_me(uuid) to authenticated, service_role;

-- Trimmed, with Windows line ends made plain; topics.body_required / body_too_long.
create function app.topic_body(p_body text) returns text
language plpgsql immutable set search_path = '' as $$
declare
  v text := btrim(replace(coalesce(p_body, ''), E'\r\n', E'\n'), E' \t\n\r');
begin
  if v = '' then
    raise exception using message = 'topics.body_required', errcode = 'P0001';
  elsif char_length(v) > 5000 then
    raise exception using message = 'topics.body_too_long', errcode = 'P0001';
  end if;
  return v;
end
$$;
revoke execute on function app.topic_body(text) from public;
grant execute on function app.topic_body(text) to authenticated, service_role;

-- One post as the app shows it (the JSON is unchanged). It is only ever given a post the caller
-- has already read under RLS (topic_feed's page, topic_detail, topic_post_detail and the writes), so it
-- reads that post's author, its 赞同 and its quote (same topic, by foreign key) as definer: run
-- as invoker, each of those three reads re-ran the topic visibility policy for every post of a page.
create function app.topic_post_json(p app.posts, p_viewer uuid, p_manager boolean) returns jsonb
language sql stable security definer set search_path = '' as $$
  select jsonb_build_object(
    'id', p.id,
    'topic_id', p.topic_id,
    'author', jsonb_build_object('id', p.author_id, 'name', a.display_name, 'school', a.school),
    'body', case
      when p.deleted_at is not null then null
      when p.hidden_at is not null and not (p_manager or p.author_id = p_viewer) then null
      else p.body end,
    'created_at', p.created_at,
    'edited_at', p.edited_at,
    'deleted', p.deleted_at is not null,
    'hidden', p.hidden_at is not null,
    'hidden_reason', case when p.hidden_at is not null and (p_manager or p.author_id = p_viewer) then p.hidden_reason end,
    'pinned', p.pinned_at is not null,
    'is_summary', p.is_summary,
    'mine', p.author_id = p_viewer,
    'editable_until', case when p.author_id = p_viewer and p.deleted_at is null and not p.is_summary
                           then p.created_at + interval '15 minutes' end,
    'like_count', (select count(*) from app.post_reactions r where r.post_id = p.id),
    'liked', exists (select 1 from app.post_reactions r where r.post_id = p.id and r.user_id = p_viewer),
    'quote', (
      select jsonb_build_object(
        'id', q.id, 'author_name', qa.display_name,
        'excerpt', case when q.deleted_at is null and q.hidden_at is null then left(q.body, 80) end,
        'deleted', q.deleted_at is not null, 'hidden', q.hidden_at is not null)
        from app.posts q left join app.profiles qa on qa.user_id = q.author_id
       where q.id = p.quote_post_id and q.topic_id = p.topic_id)
  )
  from (select 1) one left join app.profiles a on a.user_id = p.author_id
$$;
revoke execute on function app.topic_post_json(app.posts, uuid, boolean) from public;
grant execute on function app.topic_post_json(app.posts, uuid, boolean) to authenticated, service_role;

create function app.topic_json(t app.topics, p_viewer uuid) returns jsonb
language sql stable set search_path = '' as $$
  select jsonb_build_object(
    'id', t.id, 'org_id', t.org_id, 'org_name', o.name, 'org_kind', o.kind,
    'title', t.title, 'prompt', t.prompt, 'status', t.status, 'deadline', t.deadline,
    'published_at', t.published_at, 'closed_at', t.closed_at, 'last_activity_at', t.last_activity_at,
    'post_count', t.post_count,
    'new_replies', case when t.status = 'draft' then 0 else greatest(t.post_count - coalesce(r.last_read_count, 0), 0) end,
    'has_summary', t.summary_post_id is not null,
    'can_manage', app.can_manage(t.org_id),
    'can_post', t.status = 'open' and (t.deadline is null or t.deadline > now()))
  from (select 1) one
  left join app.organisations o on o.id = t.org_id
  left join app.topic_reads r on r.topic_id = t.id and r.user_id = p_viewer
$$;
revoke execute on function app.topic_json(app.topics, uuid) from public;
grant execute on function app.topic_json(app.topics, uuid) to authenticated, service_role;

-- Open topics with replies new to me, for the home screen (called by public.home_summary).
create function app.home_topics() returns jsonb
language sql stable security invoker set search_path = '' as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'title', x.title, 'new_replies', x.n)
                            order by x.last_activity_at desc), '[]'::jsonb)
    from (
      select t.id, t.title, t.last_activity_at, t.post_count - coalesce(r.last_read_count, 0) as n
        from app.topics t
        left join app.topic_reads r on r.topic_id = t.id and r.user_id = auth.uid()
       where t.status = 'open'
         and t.org_id in (select app.visible_org_ids())
         and t.post_count > coalesce(r.last_read_count, 0)
       order by t.last_activity_at desc
       limit 3
    ) x
$$;
revoke execute on function app.home_topics() from public;
grant execute on function app.home_topics() to authenticated, service_role;

-- functions: the API ------------------------------------------------------------------------

-- Topics reaching me: drafts I manage first, then open/locked, then closed, newest activity first.
create function public.topic_list() returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
begin
  return coalesce((
    select jsonb_agg(app.topic_json(t, v_uid)
             order by case t.status when 'draft' then 0 when 'closed' then 2 else 1 end, t.last_activity_at desc, t.id)
      from app.topics t
     where t.status <> 'archived'
  ), '[]'::jsonb);
end
$$;
revoke execute on function public.topic_list() from public, anon;
grant execute on function public.topic_list() to authenticated;

-- A topic with its 讨论成果 and 精华 posts.
create function public.topic_detail(p_topic_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_topic app.topics := app.topic_for_me(p_topic_id);
  v_manager boolean := app.can_manage(v_topic.org_id);
begin
  return app.topic_json(v_topic, v_uid) || jsonb_build_object(
    'summary', (select app.topic_post_json(p, v_uid, v_manager) from app.posts p
                 where p.id = v_topic.summary_post_id and p.topic_id = v_topic.id and p.deleted_at is null),
    'pinned', coalesce((select jsonb_agg(app.topic_post_json(p, v_uid, v_manager) order by p.pinned_at desc)
                          from app.posts p
                         where p.topic_id = v_topic.id and p.pinned_at is not null
                           and p.deleted_at is null and p.hidden_at is null), '[]'::jsonb));
end
$$;
revoke execute on function public.topic_detail(uuid) from public, anon;
grant execute on function public.topic_detail(uuid) to authenticated;

-- Replies oldest first, a page after the cursor (created_at, id) of the last one seen.
-- The cursor is passed back exactly as it came (microseconds matter).
create function public.topic_feed(p_topic_id uuid, p_after_created_at timestamptz default null,
  p_after_id uuid default null, p_limit int default 20)
returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_topic app.topics;
  v_manager boolean;
  v_row app.posts;
  v_last app.posts;
  v_items jsonb := '[]'::jsonb;
  v_n int := 0;
  v_more boolean := false;
begin
  if (p_after_created_at is null) <> (p_after_id is null) then
    raise exception using message = 'topics.bad_cursor', errcode = 'P0001';
  elsif p_limit is null or p_limit < 1 or p_limit > 100 then
    raise exception using message = 'topics.bad_limit', errcode = 'P0001';
  end if;
  v_topic := app.topic_for_me(p_topic_id);
  v_manager := app.can_manage(v_topic.org_id);
  -- one sargable row comparison (no "or cursor is null"), so the index range starts at the cursor
  for v_row in
    select * from app.posts p
     where p.topic_id = p_topic_id and not p.is_summary
       and (p.created_at, p.id) > (coalesce(p_after_created_at, '-infinity'::timestamptz),
                                   coalesce(p_after_id, '00000000-0000-0000-0000-000000000000'::uuid))
     order by p.created_at, p.id
     limit p_limit + 1
  loop
    v_n := v_n + 1;
    if v_n > p_limit then
      v_more := true;
      exit;
    end if;
    v_items := v_items || jsonb_build_array(app.topic_post_json(v_row, v_uid, v_manager));
    v_last := v_row;
  end loop;
  return jsonb_build_object(
    'items', v_items,
    'next', case when v_more then jsonb_build_object('created_at', v_last.created_at, 'id', v_last.id) end,
    -- where to continue when new replies arrive after the end
    'last', case when v_last.id is not null then jsonb_build_object('created_at', v_last.created_at, 'id', v_last.id) end
  );
end
$$;
revoke execute on function public.topic_feed(uuid, timestamp with time zone, uuid, integer) from public, anon;
grant execute on function public.topic_feed(uuid, timestamp with time zone, uuid, integer) to authenticated;

create function public.topic_post_detail(p_post_id uuid) returns jsonb
language plpgsql stable security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_post app.posts := app.post_for_me(p_post_id);
  v_topic app.topics := app.topic_for_me(v_post.topic_id);
begin
  return app.topic_post_json(v_post, v_uid, app.can_manage(v_topic.org_id));
end
$$;
revoke execute on function public.topic_post_detail(uuid) from public, anon;
grant execute on function public.topic_post_detail(uuid) to authenticated;

-- Draft or edit a topic (p_id made by the client: a retry edits the same one).
create function public.topic_save(p_id uuid, p_org_id uuid, p_title text, p_prompt text, p_deadline timestamptz default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_title text := btrim(coalesce(p_title, ''));
  v_prompt text := btrim(replace(coalesce(p_prompt, ''), E'\r\n', E'\n'));
  v_topic app.topics;
begin
  if p_id is null then
    raise exception using message = 'topics.id_required', errcode = 'P0001';
  elsif v_title = '' then
    raise exception using message = 'topics.title_required', errcode = 'P0001';
  elsif char_length(v_title) > 80 then
    raise exception using message = 'topics.title_too_long', errcode = 'P0001';
  elsif v_prompt = '' then
    raise exception using message = 'topics.prompt_required', errcode = 'P0001';
  elsif char_length(v_prompt) > 2000 then
    raise exception using message = 'topics.prompt_too_long', errcode = 'P0001';
  elsif p_org_id is null or not app.can_manage(p_org_id) then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  end if;
  select * into v_topic from app.topics t where t.id = p_id;
  if not found then
    -- new (or someone else's that I cannot see: the insert collides on the key)
    if p_deadline is not null and p_deadline <= now() then
      raise exception using message = 'topics.deadline_past', errcode = 'P0001';
    end if;
    begin
      insert into app.topics (id, org_id, title, prompt, deadline, created_by)
      values (p_id, p_org_id, v_title, v_prompt, p_deadline, v_uid)
      returning * into v_topic;
    exception when unique_violation then
      raise exception using message = 'topics.id_conflict', errcode = 'PT409';
    end;
  else
    if not app.can_manage(v_topic.org_id) then
      raise exception using message = 'topics.not_allowed', errcode = '42501';
    elsif v_topic.org_id <> p_org_id then
      raise exception using message = 'topics.org_immutable', errcode = 'P0001';
    elsif v_topic.status = 'archived' then
      raise exception using message = 'topics.topic_archived', errcode = 'P0001';
    elsif p_deadline is not null and p_deadline is distinct from v_topic.deadline and p_deadline <= now() then
      raise exception using message = 'topics.deadline_past', errcode = 'P0001';
    end if;
    update app.topics t set title = v_title, prompt = v_prompt, deadline = p_deadline
     where t.id = p_id returning * into v_topic;
  end if;
  return app.topic_json(v_topic, v_uid);
end
$$;
revoke execute on function public.topic_save(uuid, uuid, text, text, timestamp with time zone) from public, anon;
grant execute on function public.topic_save(uuid, uuid, text, text, timestamp with time zone) to authenticated;

-- Publish, lock, reopen, close, archive. Setting the status a topic already has is a no-op.
create function public.topic_set_status(p_topic_id uuid, p_status text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_topic app.topics;
begin
  if p_status is null or p_status not in ('open', 'locked', 'closed', 'archived') then
    raise exception using message = 'topics.bad_status', errcode = 'P0001';
  end if;
  v_topic := app.topic_for_me(p_topic_id);
  if not app.can_manage(v_topic.org_id) then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  end if;
  if v_topic.status = p_status then
    return app.topic_json(v_topic, v_uid);
  end if;
  if not (
    (v_topic.status = 'draft' and p_status = 'open')
    or (v_topic.status = 'open' and p_status in ('locked', 'closed'))
    or (v_topic.status = 'locked' and p_status in ('open', 'closed'))
    or (v_topic.status = 'closed' and p_status in ('open', 'archived'))
  ) then
    raise exception using message = 'topics.bad_transition', errcode = 'P0001';
  end if;
  update app.topics t
     set status = p_status,
         published_at = coalesce(t.published_at, case when p_status = 'open' then now() end),
         last_activity_at = case when t.status = 'draft' then now() else t.last_activity_at end,
         closed_at = case when p_status = 'closed' then now() when p_status = 'open' then null else t.closed_at end
   where t.id = p_topic_id
  returning * into v_topic;
  perform app.audit(v_topic.org_id, 'topics.status_' || p_status, v_topic.id,
    jsonb_build_object('title', v_topic.title));
  return app.topic_json(v_topic, v_uid);
end
$$;
revoke execute on function public.topic_set_status(uuid, text) from public, anon;
grant execute on function public.topic_set_status(uuid, text) to authenticated;

-- Reply. p_id is made by the client: a retry returns the post it already made.
create function public.topic_post_create(p_id uuid, p_topic_id uuid, p_body text, p_quote_post_id uuid default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_body text;
  v_topic app.topics;
  v_post app.posts;
  v_manager boolean;
begin
  if p_id is null then
    raise exception using message = 'topics.id_required', errcode = 'P0001';
  end if;
  v_topic := app.topic_for_me(p_topic_id);
  v_manager := app.can_manage(v_topic.org_id);
  select * into v_post from app.posts p where p.id = p_id;
  if found then
    if v_post.author_id = v_uid and v_post.topic_id = p_topic_id then
      return app.topic_post_json(v_post, v_uid, v_manager);
    end if;
    raise exception using message = 'topics.id_conflict', errcode = 'PT409';
  end if;
  v_body := app.topic_body(p_body);
  if v_topic.status = 'locked' then
    raise exception using message = 'topics.topic_locked', errcode = 'P0001';
  elsif v_topic.status <> 'open' then
    raise exception using message = 'topics.topic_closed', errcode = 'P0001';
  elsif v_topic.deadline is not null and v_topic.deadline <= now() then
    raise exception using message = 'topics.deadline_passed', errcode = 'P0001';
  end if;
  if p_quote_post_id is not null and not exists (
    select 1 from app.posts q where q.id = p_quote_post_id and q.topic_id = p_topic_id and not q.is_summary
  ) then
    raise exception using message = 'topics.quote_not_found', errcode = 'P0001';
  end if;
  -- at most 5 a minute and 60 an hour per member
  if (select count(*) from app.posts p where p.author_id = v_uid and p.created_at > now() - interval '1 minute') >= 5
     or (select count(*) from app.posts p where p.author_id = v_uid and p.created_at > now() - interval '1 hour') >= 60 then
    raise exception using message = 'topics.rate_limited', errcode = 'PT429';
  end if;
  begin
    insert into app.posts (id, topic_id, author_id, body, quote_post_id)
    values (p_id, p_topic_id, v_uid, v_body, p_quote_post_id)
    returning * into v_post;
  exception when unique_violation then
    -- someone else's id, in a topic I cannot see
    raise exception using message = 'topics.id_conflict', errcode = 'PT409';
  end;
  -- my own reply is not new to me
  insert into app.topic_reads as r (user_id, topic_id, last_read_at, last_read_count)
  values (v_uid, p_topic_id, now(), 1)
  on conflict (user_id, topic_id) do update set last_read_count = r.last_read_count + 1;
  return app.topic_post_json(v_post, v_uid, v_manager);
end
$$;
revoke execute on function public.topic_post_create(uuid, uuid, text, uuid) from public, anon;
grant execute on function public.topic_post_create(uuid, uuid, text, uuid) to authenticated;

-- Edit my own reply within 15 minutes (shown as edited).
create function public.topic_post_edit(p_post_id uuid, p_body text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_post app.posts := app.post_for_me(p_post_id);
  v_topic app.topics := app.topic_for_me(v_post.topic_id);
  v_body text := app.topic_body(p_body);
begin
  if v_post.author_id <> v_uid then
    raise exception using message = 'topics.not_author', errcode = '42501';
  elsif v_post.deleted_at is not null then
    raise exception using message = 'topics.post_deleted', errcode = 'P0001';
  elsif v_post.is_summary then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  elsif v_post.created_at < now() - interval '15 minutes' then
    raise exception using message = 'topics.edit_window_closed', errcode = 'P0001';
  elsif v_topic.status <> 'open' then
    raise exception using message = 'topics.topic_closed', errcode = 'P0001';
  end if;
  if v_body <> v_post.body then
    update app.posts p set body = v_body, edited_at = now() where p.id = p_post_id returning * into v_post;
  end if;
  return app.topic_post_json(v_post, v_uid, app.can_manage(v_topic.org_id));
end
$$;
revoke execute on function public.topic_post_edit(uuid, text) from public, anon;
grant execute on function public.topic_post_edit(uuid, text) to authenticated;

-- Delete my own reply: its words go, its place in the thread stays. Deleting twice is a no-op.
create function public.topic_post_delete(p_post_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_post app.posts := app.post_for_me(p_post_id);
  v_topic app.topics := app.topic_for_me(v_post.topic_id);
begin
  if v_post.author_id <> v_uid then
    raise exception using message = 'topics.not_author', errcode = '42501';
  elsif v_post.is_summary then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  end if;
  if v_post.deleted_at is null then
    update app.posts p set body = '', deleted_at = now() where p.id = p_post_id returning * into v_post;
  end if;
  return app.topic_post_json(v_post, v_uid, app.can_manage(v_topic.org_id));
end
$$;
revoke execute on function public.topic_post_delete(uuid) from public, anon;
grant execute on function public.topic_post_delete(uuid) to authenticated;

-- 赞同: set (not toggle), so a retried tap lands where the member meant.
create function public.topic_post_like(p_post_id uuid, p_liked boolean) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_post app.posts := app.post_for_me(p_post_id);
begin
  if p_liked is null then
    raise exception using message = 'topics.bad_like', errcode = 'P0001';
  end if;
  if p_liked then
    if v_post.deleted_at is not null or v_post.hidden_at is not null then
      raise exception using message = 'topics.post_deleted', errcode = 'P0001';
    end if;
    insert into app.post_reactions (post_id, user_id) values (p_post_id, v_uid) on conflict do nothing;
  else
    delete from app.post_reactions r where r.post_id = p_post_id and r.user_id = v_uid;
  end if;
  return jsonb_build_object(
    'post_id', p_post_id, 'liked', p_liked,
    'like_count', (select count(*) from app.post_reactions r where r.post_id = p_post_id));
end
$$;
revoke execute on function public.topic_post_like(uuid, boolean) from public, anon;
grant execute on function public.topic_post_like(uuid, boolean) to authenticated;

-- Moderation by the topic's managers: pin as 精华, unpin, hide with a reason, unhide. Audited.
create function public.topic_post_moderate(p_post_id uuid, p_action text, p_reason text default null)
returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_reason text := btrim(coalesce(p_reason, ''));
  v_post app.posts;
  v_topic app.topics;
begin
  if p_action is null or p_action not in ('pin', 'unpin', 'hide', 'unhide') then
    raise exception using message = 'topics.bad_action', errcode = 'P0001';
  end if;
  v_post := app.post_for_me(p_post_id);
  v_topic := app.topic_for_me(v_post.topic_id);
  if not app.can_manage(v_topic.org_id) then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  end if;
  if p_action = 'hide' then
    if v_reason = '' then
      raise exception using message = 'topics.reason_required', errcode = 'P0001';
    elsif char_length(v_reason) > 200 then
      raise exception using message = 'topics.reason_too_long', errcode = 'P0001';
    end if;
  end if;
  if v_post.is_summary then
    raise exception using message = 'topics.bad_action', errcode = 'P0001';
  elsif v_post.deleted_at is not null then
    raise exception using message = 'topics.post_deleted', errcode = 'P0001';
  end if;
  update app.posts p set
    hidden_at = case p_action when 'hide' then coalesce(p.hidden_at, now()) when 'unhide' then null else p.hidden_at end,
    hidden_by = case p_action when 'hide' then v_uid when 'unhide' then null else p.hidden_by end,
    hidden_reason = case p_action when 'hide' then v_reason when 'unhide' then null else p.hidden_reason end,
    pinned_at = case p_action when 'pin' then coalesce(p.pinned_at, now()) when 'unpin' then null else p.pinned_at end,
    pinned_by = case p_action when 'pin' then v_uid when 'unpin' then null else p.pinned_by end
   where p.id = p_post_id
  returning * into v_post;
  perform app.audit(v_topic.org_id, 'topics.post_' || p_action, v_post.id,
    jsonb_build_object('topic_id', v_topic.id, 'author_id', v_post.author_id)
      || case when p_action = 'hide' then jsonb_build_object('reason', v_reason) else '{}'::jsonb end);
  return app.topic_post_json(v_post, v_uid, true);
end
$$;
revoke execute on function public.topic_post_moderate(uuid, text, text) from public, anon;
grant execute on function public.topic_post_moderate(uuid, text, text) to authenticated;

-- Write or rewrite the 讨论成果 (the secretary's summary, shown first). p_id made by the client.
create function public.topic_write_summary(p_topic_id uuid, p_id uuid, p_body text) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_topic app.topics := app.topic_for_me(p_topic_id);
  v_body text;
  v_post app.posts;
begin
  if not app.can_manage(v_topic.org_id) then
    raise exception using message = 'topics.not_allowed', errcode = '42501';
  elsif p_id is null then
    raise exception using message = 'topics.id_required', errcode = 'P0001';
  end if;
  v_body := app.topic_body(p_body);
  if v_topic.status = 'draft' then
    raise exception using message = 'topics.topic_draft', errcode = 'P0001';
  end if;
  select * into v_post from app.posts p where p.id = coalesce(v_topic.summary_post_id, p_id);
  if found and not (v_post.is_summary and v_post.topic_id = p_topic_id) then
    raise exception using message = 'topics.id_conflict', errcode = 'PT409';
  end if;
  if not found then
    begin
      insert into app.posts (id, topic_id, author_id, body, is_summary)
      values (p_id, p_topic_id, v_uid, v_body, true) returning * into v_post;
    exception when unique_violation then
      raise exception using message = 'topics.id_conflict', errcode = 'PT409';
    end;
    update app.topics t set summary_post_id = v_post.id where t.id = p_topic_id;
  elsif v_post.body <> v_body then
    update app.posts p set body = v_body, edited_at = now() where p.id = v_post.id returning * into v_post;
  end if;
  perform app.audit(v_topic.org_id, 'topics.summary_written', v_topic.id, jsonb_build_object('post_id', v_post.id));
  return app.topic_post_json(v_post, v_uid, true);
end
$$;
revoke execute on function public.topic_write_summary(uuid, uuid, text) from public, anon;
grant execute on function public.topic_write_summary(uuid, uuid, text) to authenticated;

-- I have read the topic up to now.
create function public.topic_mark_read(p_topic_id uuid) returns jsonb
language plpgsql security invoker set search_path = '' as $$
declare
  v_uid uuid := app.require_user();
  v_topic app.topics := app.topic_for_me(p_topic_id);
begin
  insert into app.topic_reads as r (user_id, topic_id, last_read_at, last_read_count)
  values (v_uid, p_topic_id, now(), v_topic.post_count)
  on conflict (user_id, topic_id) do update
    set last_read_at = now(), last_read_count = greatest(r.last_read_count, excluded.last_read_count);
  return jsonb_build_object('topic_id', p_topic_id, 'new_replies', 0);
end
$$;
revoke execute on function public.topic_mark_read(uuid) from public, anon;
grant execute on function public.topic_mark_read(uuid) to authenticated;

-- grants ------------------------------------------------------------------------------------
grant select, insert, update on app.topics to authenticated;
grant select, insert, update on app.posts to authenticated;
grant select, insert, delete on app.post_reactions to authenticated;
grant select, insert, update on app.topic_reads to authenticated;
grant all on app.topics, app.posts, app.post_reactions, app.topic_reads to service_role;

reset check_function_bodies;
