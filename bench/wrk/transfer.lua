-- One transfer per request (POST /v1/transfers) between two random accounts of 1..accounts.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local razao = dofile(here .. "common.lua")

function request()
   return razao.post("/v1/transfers", razao.spread_transfer())
end
