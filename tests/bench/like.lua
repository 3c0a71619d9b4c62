-- like.lua - wrk: like a random post among the first MAX_POST ids (bearer token).
local token = os.getenv("BENCH_TOKEN")
local max_post = tonumber(os.getenv("BENCH_MAX_POST") or "1000")
math.randomseed(os.time())
request = function()
	local id = math.random(1, max_post)
	local method = (math.random() < 0.5) and "PUT" or "DELETE"
	return wrk.format(method, "/api/v1/posts/" .. id .. "/like",
		{ ["Authorization"] = "Bearer " .. token })
end
