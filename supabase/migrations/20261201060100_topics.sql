-- Topics follow-up: a thread's page checks visibility once, not once per post (issue #15), and
-- 赞同 counts reach everyone on the thread live (issue #14).

-- triggers ----------------------------------------------------------------------------------

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

create trigger post_reactions_after_change after insert or delete on app.post_reactions
  for each row execute function app.post_reactions_after_change();

revoke execute on function app.post_reactions_after_change() from public, anon, authenticated;

-- functions: helpers ------------------------------------------------------------------------

-- One post as the app shows it (the JSON is unchanged). It is only ever given a post the caller
-- has already read under RLS (topic_feed's page, topic_get, topic_post_get and the writes), so it
-- reads that post's author, its 赞同 and its quote (same topic, by foreign key) as definer: run
-- as invoker, each of those three reads re-ran the topic visibility policy for every post of a page.
create or replace function app.topic_post_json(p app.posts, p_viewer uuid, p_manager boolean) returns jsonb
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
revoke execute on function app.topic_post_json(app.posts, uuid, boolean) from public, anon;
grant execute on function app.topic_post_json(app.posts, uuid, boolean) to authenticated, service_role;
