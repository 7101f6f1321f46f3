-- POST the body in the file named by the first script argument to /v1/usage, pages of 1000 rows.
-- Usage: wrk -s bench/query.lua URL -- BODY_FILE
local dir = debug.getinfo(1, "S").source:match("@(.*/)") or "./"
dofile(dir .. "report.lua")

function init(args)
   local file = assert(io.open(args[1], "rb"))
   wrk.method = "POST"
   wrk.path = "/v1/usage"
   wrk.body = file:read("*a")
   file:close()
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer bench"
   wrk.headers["X-Emulator-Page-Size"] = "1000"
end

done = report
