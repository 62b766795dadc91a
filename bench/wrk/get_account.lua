-- GET one account (a random one of 1..accounts).
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local razao = dofile(here .. "common.lua")

function request()
   return razao.get("/v1/accounts/" .. razao.random_account())
end
