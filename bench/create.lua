-- wrk script: POST /api/v1/patients with a new invented patient per request (names in both
-- scripts made unique by a per-thread counter spelled in letters, since names hold no digits).
-- Arguments after "--": the session cookie value, the CSRF token, and a run number (e.g. the
-- time in seconds) that keeps names apart between runs.

local count = 1

local latin = {}
for c in ("abcdefghijklmnopqrstuvwxyz"):gmatch(".") do latin[#latin + 1] = c end
local arabic = {
  "ا", "ب", "ت", "ث", "ج", "ح", "خ", "د", "ذ", "ر", "ز", "س", "ش", "ص",
  "ض", "ط", "ظ", "ع", "غ", "ف", "ق", "ك", "ل", "م", "ن", "ه", "و", "ي",
}

-- Spells n (>= 0) in base #alphabet with exactly width letters, so that concatenated fields can
-- never run into one another and repeat a name.
local function spell(n, alphabet, width)
  local base, out = #alphabet, {}
  for _ = 1, width do
    table.insert(out, 1, alphabet[(n % base) + 1])
    n = math.floor(n / base)
  end
  return table.concat(out)
end

function setup(thread)
  thread:set("thread_no", count)
  count = count + 1
end

function init(args)
  wrk.headers["Cookie"] = "autologa_session=" .. (args[1] or "")
  wrk.headers["X-CSRF-Token"] = args[2] or ""
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Accept"] = "application/json"
  local run = tonumber(args[3]) or 0
  local thread = thread_no or 0
  tag = spell(run, latin, 7) .. spell(thread, latin, 2)
  tag_ar = spell(run, arabic, 7) .. spell(thread, arabic, 2)
  counter = 0
end

function request()
  counter = counter + 1
  local name = tag .. spell(counter, latin, 6)
  local name_ar = tag_ar .. spell(counter, arabic, 6)
  local body = '{"given_name":"Benchmark","family_name":"Load' .. name .. '",' ..
    '"given_name_ar":"تجربة","family_name_ar":"حمل' .. name_ar .. '",' ..
    '"date_of_birth":"1985-06-15","sex":"unknown","preferred_language":"en",' ..
    '"email":"load.' .. name .. '@example.invalid"}'
  return wrk.format("POST", "/api/v1/patients", nil, body)
end
