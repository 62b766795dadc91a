# The two commands of the README: `make run` starts the service, `make test` runs every check.
# Both set up a fresh machine first (PL/Python, PostgreSQL cluster, virtualenv, database).
.PHONY: run test setup lint bench docs

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

docs:
	./scripts/docs.sh
