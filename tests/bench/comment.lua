-- comment.lua - wrk: comment on a random post among the first MAX_POST ids.
local token = os.getenv("BENCH_TOKEN")
local max_post = tonumber(os.getenv("BENCH_MAX_POST") or "1000")
math.randomseed(os.time() + 7)
request = function()
	local id = math.random(1, max_post)
	return wrk.format("POST", "/api/v1/posts/" .. id .. "/comments",
		{ ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" },
		'{"text":"a benchmark comment on a lovely picture"}')
end
