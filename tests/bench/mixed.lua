-- mixed.lua - wrk: a mix of what logged-in people do (for tests/bench/rss.sh):
-- feeds (following, for-you, latest, top), post pages, the API feed,
-- likes, comments, a profile, a search, and now and then an upload of
-- BENCH_UPLOAD (a JPEG). Env: BENCH_TOKEN (a session token, sent as the
-- cookie for pages and as a bearer for the API), BENCH_MAX_POST,
-- BENCH_USER (a username for the profile page), BENCH_UPLOAD (a file).
local token = os.getenv("BENCH_TOKEN")
local max_post = tonumber(os.getenv("BENCH_MAX_POST") or "1000")
local user = os.getenv("BENCH_USER") or "bench1"
local upload = os.getenv("BENCH_UPLOAD")
local cookie = { ["Cookie"] = "imagier_session=" .. token }
local bearer = { ["Authorization"] = "Bearer " .. token }
local json = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local boundary = "imagierbench7d1f"
local upload_body
local n = 0

function init(args)
	math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000))
	if upload then
		local f = assert(io.open(upload, "rb"))
		local data = f:read("*a")
		f:close()
		upload_body = "--" .. boundary .. "\r\n" ..
			'Content-Disposition: form-data; name="prompt"\r\n\r\na benchmark upload\r\n' ..
			"--" .. boundary .. "\r\n" ..
			'Content-Disposition: form-data; name="image"; filename="b.jpg"\r\n' ..
			"Content-Type: image/jpeg\r\n\r\n" .. data .. "\r\n--" .. boundary .. "--\r\n"
	end
end

request = function()
	n = n + 1
	local id = math.random(1, max_post)
	local r = math.random(1, 1000)
	if upload_body and n % 500 == 0 then
		local h = { ["Authorization"] = "Bearer " .. token,
			["Content-Type"] = "multipart/form-data; boundary=" .. boundary }
		return wrk.format("POST", "/api/v1/posts", h, upload_body)
	elseif r <= 250 then
		return wrk.format("GET", "/following", cookie)
	elseif r <= 400 then
		return wrk.format("GET", "/foryou", cookie)
	elseif r <= 480 then
		return wrk.format("GET", "/?page=" .. (r % 7), cookie)
	elseif r <= 520 then
		return wrk.format("GET", "/top", cookie)
	elseif r <= 700 then
		return wrk.format("GET", "/p/" .. id, cookie)
	elseif r <= 780 then
		return wrk.format("GET", "/api/v1/feed?kind=latest&cursor=" .. id, bearer)
	elseif r <= 860 then
		local method = (r % 2 == 0) and "PUT" or "DELETE"
		return wrk.format(method, "/api/v1/posts/" .. id .. "/like", bearer)
	elseif r <= 910 then
		return wrk.format("POST", "/api/v1/posts/" .. id .. "/comments", json,
			'{"text":"a benchmark comment on a lovely picture"}')
	elseif r <= 950 then
		return wrk.format("GET", "/u/" .. user, cookie)
	elseif r <= 975 then
		return wrk.format("GET", "/search?q=lighthouse+dusk", cookie)
	else
		return wrk.format("GET", "/api/v1/posts/" .. id .. "/comments", bearer)
	end
end
