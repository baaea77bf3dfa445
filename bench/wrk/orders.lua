-- POST /api/v1/orders with a fixed body. Usage: wrk -s bench/wrk/orders.lua URL
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
require "common"

wrk.path = "/api/v1/orders"
wrk.body = '{"amount":50000,"currency":"INR","receipt":"bench"}'

function init(args)
  ok2xx, non2xx, firstbad = 0, 0, ""
end
