-- wrk script for the reference run: the same request shape as get_by_id.lua (a request() call per
-- request, the same headers) against one static file, so both runs cost the client the same.
-- Arguments after "--": the path of the file.

function init(args)
  path = args[1] or "/"
  wrk.headers["Cookie"] = "autologa_session=reference"
  wrk.headers["Accept"] = "application/json"
end

function request()
  return wrk.format("GET", path)
end
