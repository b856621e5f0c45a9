-- POST /api/$USER_ID/tasks with "Authorization: Bearer $TOKEN", a JSON task whose title
-- carries a counter (every request creates a new task). With RATE set, paced (common.lua).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local c = dofile(here .. "common.lua")

wrk.method = "POST"
c.auth_headers({ ["Content-Type"] = "application/json" })
c.install_pacing()

local path = "/api/" .. c.user_id .. "/tasks"
local prefix = string.format("%x", math.floor(os.time() % 65536 * 65536 + math.random(0, 65535)))
local n = 0

function request()
  n = n + 1
  local body = '{"title":"bench task ' .. prefix .. '-' .. n .. '",'
    .. '"description":"Figures first","priority":"high","tags":["work"],'
    .. '"due_date":"2030-01-15T17:00:00Z"}'
  return wrk.format(nil, path, nil, body)
end

done = c.done
