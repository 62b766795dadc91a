# The two commands of the README: `make run` starts the service, `make test` runs every check.
# Both set up a fresh machine first (PL/Python, PostgreSQL cluster, virtualenv, database).
.PHONY: run test setup lint bench bench-jobs bench-sql bench-http bench-webhooks bench-scaling suites docs local-up local-down

run:
	./scripts/run.sh

test:
	./scripts/test.sh

setup:
	./scripts/setup.sh

lint:
	./scripts/lint.sh

bench:
	./scripts/setup.sh && .venv/bin/python -m bench.transfers

# Throughput at the SQL level: pgbench custom scripts calling razao.post_transfers (and razao.post_each),
# beside pgbench's TPC-B in one run (about 1.5 minutes). Add ARGS="--quick" or ARGS="--json docs/data/throughput.json".
bench-sql:
	./scripts/setup.sh && ./scripts/bench-setup.sh && .venv/bin/python -m bench.sql $(ARGS)

# Throughput over HTTP: wrk and bench/wrk/*.lua against `razao serve` in both execution modes, beside
# pgbench's TPC-B in one run (about 3 minutes).
bench-http:
	./scripts/setup.sh && ./scripts/bench-setup.sh && .venv/bin/python -m bench.http $(ARGS)

# Interest accrual and ledger verification over 10k, 100k and 1M accounts, both modes (long: about an hour).
bench-jobs:
	./scripts/setup.sh && .venv/bin/python -m bench.jobs

# Webhook deliveries/s of one worker process (ordered and unordered endpoints, 5,000 events each: about a
# minute). Add ARGS="--quick" or ARGS="--json docs/data/events.json".
bench-webhooks:
	./scripts/setup.sh && .venv/bin/python -m bench.webhooks $(ARGS)

# Value dates: balance-by-value-date latency on one account of 1,000,000 entries (both modes), and what the
# value days cost the batch path (with / without, beside TPC-B): about 6 minutes. Add ARGS="--quick" or
# ARGS="--json docs/data/value_dates.json".
.PHONY: bench-value-dates
bench-value-dates:
	./scripts/setup.sh && ./scripts/bench-setup.sh && .venv/bin/python -m bench.value_dates $(ARGS)

# Beyond one machine (docs/scaling.md): write throughput through PgBouncer against direct (about 2 minutes),
# reads with 0, 1 and 2 replicas (about 2 minutes), and what one transfer costs in CPU, WAL and connections.
# ARGS="--quick" for a short run of each.
bench-scaling:
	./scripts/setup.sh && ./scripts/bench-setup.sh && .venv/bin/python -m bench.pgbouncer $(ARGS) \
	  && .venv/bin/python -m bench.replicas $(ARGS) && .venv/bin/python -m bench.scaling $(ARGS)

# A local formation to try failover on: a pg_auto_failover monitor, a primary and a synchronous secondary, a
# PgBouncer per node and two API processes, on ports of their own (docs/failover.md); local-down stops it.
local-up:
	./scripts/setup.sh && .venv/bin/python -m razao.local up

local-down:
	.venv/bin/python -m razao.local down

# The long proving suites (model-based, storm with faults, hostile input, migrations, privileges) and their
# summary table; `make test` runs the short version of each.
suites:
	./scripts/setup.sh && .venv/bin/python -m tests.suites --save

# The console's screenshots in docs/console, taken by its browser tests (tests/browser).
.PHONY: screenshots
screenshots:
	./scripts/setup.sh && RAZAO_SCREENSHOTS=1 .venv/bin/pytest -q -p no:cacheprovider tests/browser

docs:
	./scripts/docs.sh

# The Python client (clients/python, docs/client.md): regenerate its generated half, razao_api, from the API's
# OpenAPI document after an API change (tests/client fails while it is stale). `make diagrams` redraws the
# documentation's diagrams (docs/diagrams/*.dot into SVG).
.PHONY: client diagrams
client:
	./scripts/client.sh

diagrams:
	./scripts/diagrams.sh
