-- cold.lua - wrk: the page at BENCH_PATH as a first view, never the same URL
-- twice: a query parameter no route reads ("v") makes every request a page
-- the page cache does not hold, so each one is built (the timelines, the
-- for-you candidates and the posts come from their own caches and MariaDB,
-- as for a person's first look at a page). Such a page is not stored
-- (cgi/dispatch.c page_query_known): a real first view also stores its page
-- (one noreply set of the page's bytes), which these rows leave out.
-- Headers given with -H are sent.
local path = os.getenv("BENCH_PATH") or "/"
local sep = path:find("?", 1, true) and "&" or "?"
local threads = 0
local n = 0

function setup(thread)
	threads = threads + 1
	thread:set("me", threads)
end

function init(args)
	-- runs of one bench must not meet each other's pages either
	run = tostring(os.time()) .. "-" .. tostring(me or 0)
end

function request()
	n = n + 1
	return wrk.format(nil, path .. sep .. "v=" .. run .. "-" .. n)
end
