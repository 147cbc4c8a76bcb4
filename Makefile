.PHONY: run test bench lint format

run:  ## Install what is missing, start PostGIS + the demo city, serve on 127.0.0.1:$(PORT)
	scripts/run.sh

test:  ## The whole test suite on a throw-away PostGIS (Chromium and GDAL included)
	scripts/test.sh

bench:  ## Hot paths, imports and report ingest, each as a ratio to its raw baseline
	scripts/bench.sh
	scripts/bench_import.sh
	scripts/bench_reports.sh
	scripts/bench_dashboard.sh
	scripts/bench_observations.sh
	scripts/bench_facilities.sh
	scripts/bench_planner.sh
	scripts/bench_permits.sh
	scripts/bench_sta.sh
	scripts/bench_history.sh
	scripts/bench_jobs.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format:
	.venv/bin/ruff format . && .venv/bin/ruff check --fix .
