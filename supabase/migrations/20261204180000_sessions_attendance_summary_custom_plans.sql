-- The attendance summary is planned for the organisation it is asked about (#15).
-- PL/pgSQL keeps a statement's plan for the session's connection: after five calls it may settle on
-- one generic plan, made without knowing p_org. Planned for a branch's few dozen facts, that plan
-- then ran a county's summary in 470 ms instead of 48 and a province's in 8.4 s instead of 0.5
-- (the statement timeout), whatever connection had served branches before. Planning per call costs
-- a branch nothing measurable (2 ms either way).
alter function app.attendance_summary(uuid, date, date, jsonb, int) set plan_cache_mode = force_custom_plan;
