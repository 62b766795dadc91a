-- A statement page: GET /v1/accounts/{id}/entries (the first page, default size) of a random account.
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local razao = dofile(here .. "common.lua")

function request()
   return razao.get("/v1/accounts/" .. razao.random_account() .. "/entries")
end
