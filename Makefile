.PHONY: help install dev demo reports test lint dictionary clean
help:            ## list targets
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*##/\t/'
install:         ## venv + library
	bash scripts/setup.sh
dev:             ## venv + library + test tools
	bash scripts/setup.sh --dev
demo:            ## generate the synthetic demo data and print a summary
	.venv/bin/tkpk summary --year 2024
reports:         ## the main job: reports for every kabupaten/kota and the province
	.venv/bin/tkpk run --year 2024
test:            ## run the tests
	.venv/bin/python -m pytest -q
lint:            ## ruff
	.venv/bin/ruff check tkpk_lib tests benchmarks
dictionary:      ## regenerate references/data_dictionary.md
	.venv/bin/tkpk dictionary
clean:           ## remove generated demo data and reports
	rm -rf data/demo/generated reports/*/
