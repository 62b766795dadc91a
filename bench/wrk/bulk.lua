-- The non-atomic bulk endpoint: POST /v1/transfers/bulk with `size` random transfers (one result each).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local razao = dofile(here .. "common.lua")

function request()
   return razao.post("/v1/transfers/bulk", razao.many(razao.size))
end
