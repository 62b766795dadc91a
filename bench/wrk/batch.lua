-- The atomic batch: POST /v1/transfers/batch with `size` random transfers.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local razao = dofile(here .. "common.lua")

function request()
   return razao.post("/v1/transfers/batch", razao.many(razao.size))
end
