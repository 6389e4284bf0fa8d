#!/usr/bin/env bash
# actionlint (github.com/rhysd/actionlint), the GitHub Actions workflow linter the `generate ci`
# tests run on the generated .github/workflows/datapipe.yml (test/unit/ci), built and cached by
# go-tool.sh. Prints the binary's path; exit 1 when it cannot be built.
set -euo pipefail
exec bash "$(dirname "$0")/go-tool.sh" actionlint github.com/rhysd/actionlint github.com/rhysd/actionlint/cmd/actionlint v1.7.12
