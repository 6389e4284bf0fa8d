# DataPipe: the usual entry points. `make help` lists them.
.PHONY: help install build test ci demo bench clean

help:
	@echo "make install   npm ci"
	@echo "make build     compile TypeScript to dist/"
	@echo "make test      the test suite (npm test)"
	@echo "make ci        what CI runs: .ci/run (installs and starts PostgreSQL, fastavro, then tests)"
	@echo "make demo      the embedded end-to-end demo"
	@echo "make bench     the extraction benchmark"

install:
	npm ci

build:
	npm run build

test:
	npm test

ci:
	bash .ci/run

demo:
	npm run demo

bench:
	npm run bench

clean:
	rm -rf dist .datapipe
