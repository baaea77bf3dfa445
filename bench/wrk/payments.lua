-- POST /api/v1/payments, one UPI payment per pre-made order "order_p%015d" (bench/run.py
-- inserts them): thread t of n takes orders t, t+n, t+2n, ... so no order is paid twice.
-- Usage: wrk -s bench/wrk/payments.lua URL -- <threads>
package.path = debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "?.lua;" .. package.path
require "common"

wrk.path = "/api/v1/payments"

function init(args)
  ok2xx, non2xx, firstbad = 0, 0, ""
  step = tonumber(args[1] or "1")
  nextid = tid
end

function request()
  local body = string.format('{"order_id":"order_p%015d","method":"upi","vpa":"bench@upi"}', nextid)
  nextid = nextid + step
  return wrk.format(nil, nil, nil, body)
end
