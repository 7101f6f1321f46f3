-- POST batches of 100 events, each with a transaction id no other event has, to /v1/ingest.
-- Usage: wrk -s bench/ingest.lua URL -- CUSTOMER_ID [PREFIX]
-- PREFIX (default "bench") starts every transaction id: a run of its own keeps its ids new.
local dir = debug.getinfo(1, "S").source:match("@(.*/)") or "./"
dofile(dir .. "report.lua")

local threads = {}
local counter = 0

function setup(thread)
   thread:set("id", #threads)
   table.insert(threads, thread)
end

function init(args)
   customer = args[1]
   prefix = args[2] or "bench"
   wrk.method = "POST"
   wrk.path = "/v1/ingest"
   wrk.headers["Content-Type"] = "application/json"
   wrk.headers["Authorization"] = "Bearer bench"
end

function request()
   local events = {}
   for i = 1, 100 do
      counter = counter + 1
      events[i] = string.format(
         '{"transaction_id":"%s-%d-%d","customer_id":"%s","event_type":"login",' ..
         '"timestamp":"2025-06-01T12:%02d:%02dZ","properties":{"user_id":"user-%d","method":"sso"}}',
         prefix, id, counter, customer, math.floor(counter / 60) % 60, counter % 60, counter % 50)
   end
   return wrk.format(nil, nil, nil, "[" .. table.concat(events, ",") .. "]")
end

done = report
