-- GET $BENCH_PATH (e.g. /api/$USER_ID/tasks?q=invoice) with "Authorization: Bearer $TOKEN"; the scale benchmark's
-- list and search requests. With RATE set, paced (common.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(here .. "common.lua")

wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH") or "/"
c.auth_headers()
c.install_pacing()

done = c.done
