#!/usr/bin/env bash
# fake-gcs-server (github.com/fsouza/fake-gcs-server), the GCS emulator the GCS store tests run
# against (test/integration/gcs), built and cached by go-tool.sh. Prints the binary's path; exit 1
# when it cannot be built.
set -euo pipefail
exec bash "$(dirname "$0")/go-tool.sh" fake-gcs-server github.com/fsouza/fake-gcs-server github.com/fsouza/fake-gcs-server v1.56.1
