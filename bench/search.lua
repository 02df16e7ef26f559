-- wrk script: GET /api/v1/patients?q=<prefix>&limit=20 with name prefixes in Latin and Arabic
-- script, drawn at random from prefixes of names the demo generator uses.
-- Argument after "--": the value of the autologa_session cookie.

local count = 1

-- What a receptionist types: the first letters of a demo given or family name (the demo draws
-- from 40 given and 30 family names per script), sometimes given name and the start of the family
-- name. Arabic ones are typed without diacritics, some with and some without hamza.
local prefixes = {
  "la", "lay", "fat", "mar", "no", "sal", "yas", "moh", "ahm", "om", "kha", "you", "hass",
  "ibr", "sam", "kar", "had", "kho", "man", "nas", "ham", "darw", "jab", "sab", "sul", "rash",
  "layla ha", "omar kh", "fatima n",
  "لي", "ليل", "فاط", "مر", "نو", "سل", "يا", "مح", "محم", "أحم", "احم", "عم", "خال", "يوس",
  "حس", "إبر", "ابر", "سم", "كر", "حد", "حدا", "خو", "من", "نا", "حم", "در", "جا", "صب",
  "الح", "سلط", "ليلى حد", "عمر خو",
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
