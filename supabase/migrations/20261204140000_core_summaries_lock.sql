-- One lock for every write that keeps summaries (#15 follow-up; CI failed on PostgreSQL with
-- "deadlock detected" in join_request_answer).
--
-- The summaries shared up the organisation tree (a school's, the county's and the bureau's rows
-- of reading progress, attendance, the report, member counts, and the sessions' tallies) are
-- kept by triggers of many tables, and each source table's triggers reach them in an order of
-- their own: a tick locks the bureau's progress row and then its report rows, a new membership its
-- report rows and then the progress row, so a tick and a secretary's approval at the same moment
-- deadlocked. Ordering the rows within one summary (attendance_org_sessions_apply and the other
-- apply functions) cannot order them across summaries. So every statement that writes a table
-- whose triggers keep summaries first takes this one transaction lock, before it touches a row:
-- concurrent summary writers run one after another, in whatever order they reach the summaries.
-- They already waited for each other on the top organisation's rows; what they lose is only the
-- overlap of their work below the top.
--
-- The rule for new code: a transaction locks its own rows (select … for update) before its first
-- write to one of these tables, not after it (join_request_answer counts the invite first).
create function app.summaries_lock() returns trigger
language plpgsql security definer set search_path = '' as $$
begin
  -- one key for the whole database: a deployment is one organisation tree
  perform pg_advisory_xact_lock(hashtext('app.summaries'));
  return null;
end
$$;
revoke execute on function app.summaries_lock() from public;

-- the tables whose after-triggers write summaries (supabase/tests/summaries-lock.test.ts keeps
-- this list complete)
create trigger checkins_summaries_lock before insert or update or delete on app.checkins
  for each statement execute function app.summaries_lock();
create trigger leave_requests_summaries_lock before insert or update or delete on app.leave_requests
  for each statement execute function app.summaries_lock();
create trigger memberships_summaries_lock before insert or update or delete on app.memberships
  for each statement execute function app.summaries_lock();
create trigger organisations_summaries_lock before insert or update or delete on app.organisations
  for each statement execute function app.summaries_lock();
create trigger plan_orgs_summaries_lock before insert or update or delete on app.plan_orgs
  for each statement execute function app.summaries_lock();
create trigger plan_readings_summaries_lock before insert or update or delete on app.plan_readings
  for each statement execute function app.summaries_lock();
create trigger posts_summaries_lock before insert or update or delete on app.posts
  for each statement execute function app.summaries_lock();
create trigger profiles_summaries_lock before update on app.profiles
  for each statement execute function app.summaries_lock();
create trigger reading_progress_summaries_lock before insert or update or delete on app.reading_progress
  for each statement execute function app.summaries_lock();
create trigger reading_sections_summaries_lock before insert or update or delete on app.reading_sections
  for each statement execute function app.summaries_lock();
create trigger section_ticks_summaries_lock before insert or update or delete on app.section_ticks
  for each statement execute function app.summaries_lock();
create trigger session_invitees_summaries_lock before insert or update or delete on app.session_invitees
  for each statement execute function app.summaries_lock();
create trigger session_orgs_summaries_lock before insert or update or delete on app.session_orgs
  for each statement execute function app.summaries_lock();
create trigger sessions_summaries_lock before insert or update or delete on app.sessions
  for each statement execute function app.summaries_lock();
create trigger study_plans_summaries_lock before insert or update or delete on app.study_plans
  for each statement execute function app.summaries_lock();
