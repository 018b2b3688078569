-- Reading progress is planned for the organisation it is asked about (#15), as the attendance
-- summary is (20261204180000_sessions_attendance_summary_custom_plans.sql): the generic plan
-- PL/pgSQL settles on after a branch's calls took a province's first page 133 ms instead of 33.
-- Planning per call adds about 12 ms to a branch's page (13 → 25 ms), which a phone's round trip hides.
alter function app.plan_progress_data(uuid, uuid, uuid[], int, text, uuid, int) set plan_cache_mode = force_custom_plan;
