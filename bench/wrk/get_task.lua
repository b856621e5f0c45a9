-- GET /api/$USER_ID/tasks/$TASK_ID with "Authorization: Bearer $TOKEN".
-- With RATE set, paced to RATE requests/s (see common.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(here .. "common.lua")

wrk.method = "GET"
wrk.path = "/api/" .. c.user_id .. "/tasks/" .. c.task_id
c.auth_headers()
c.install_pacing()

done = c.done
