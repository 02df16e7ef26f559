-- wrk script: GET /api/v1/patients?q=<prefix>&limit=20 with name prefixes in Latin and Arabic
-- script, drawn at random from prefixes of names the demo generator uses.
-- Argument after "--": the value of the autologa_session cookie.

local count = 1

-- Two- to four-letter beginnings of demo given and family names, in both scripts, so that
-- searches hit both the selective and the crowded parts of the name index.
local prefixes = {
  "la", "lay", "om", "oma", "ha", "had", "fa", "fat", "mo", "moh", "ah", "ahm", "sa", "sar",
  "yo", "yus", "na", "nad", "kh", "kha", "ma", "mar", "al", "ali", "ka", "kar",
  "لي", "ليل", "عم", "عمر", "حد", "حدا", "فا", "فاط", "مح", "محم", "أح", "احم", "سا", "سار",
  "يو", "يوس", "ند", "ندى", "خا", "خال", "مر", "مري", "عل", "علي", "كر", "كري",
}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local paths = {}

function setup(thread)
  thread:set("thread_no", count)
  count = count + 1
end

function init(args)
  wrk.headers["Cookie"] = "autologa_session=" .. (args[1] or "")
  wrk.headers["Accept"] = "application/json"
  for i, p in ipairs(prefixes) do
    paths[i] = "/api/v1/patients?q=" .. urlencode(p) .. "&limit=20"
  end
  math.randomseed(os.time() * 100 + (thread_no or 0))
end

function request()
  return wrk.format("GET", paths[math.random(1, #paths)])
end
