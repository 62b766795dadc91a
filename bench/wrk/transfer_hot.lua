-- One transfer per request, every one crediting the hot account (number 0) from a random one.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local razao = dofile(here .. "common.lua")

function request()
   return razao.post("/v1/transfers", razao.transfer(razao.random_account(), razao.account(0)))
end
