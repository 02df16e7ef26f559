-- wrk script: GET /api/v1/patients/{id} with ids drawn uniformly from 1..N, as one logged-in user.
-- Arguments after "--": N, then the value of the autologa_session cookie.

local count = 1

function setup(thread)
  -- Each thread gets its own number so the random sequences differ between threads.
  thread:set("thread_no", count)
  count = count + 1
end

function init(args)
  patients = tonumber(args[1]) or 1
  wrk.headers["Cookie"] = "autologa_session=" .. (args[2] or "")
  wrk.headers["Accept"] = "application/json"
  math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
  return wrk.format("GET", "/api/v1/patients/" .. math.random(1, patients))
end
