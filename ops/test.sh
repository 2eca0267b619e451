#!/usr/bin/env bash
# The project's test command: installs missing dependencies, builds with warnings treated
# as failures, and runs every test (XCTest and Swift Testing), including the comparison
# with the NumPy reference model and the Python wire tests (Tests/Python), which fail
# here instead of being skipped when python3 lacks their modules.
set -euo pipefail
cd "$(dirname "$0")/.."
ops/install-deps.sh

build_log=$(mktemp)
swift build --build-tests 2>&1 | tee "$build_log" | grep -E "error|warning: " || true
# libzmq's pkg-config file makes every build print one harmless "prohibited flag" warning.
if grep -E "warning: " "$build_log" | grep -v -e "prohibited flag" -e "Source files for target" | grep -q .; then
  echo "build has compiler warnings (the project keeps them at zero)" >&2
  exit 1
fi
grep -q "error:" "$build_log" && exit 1
SPO_REQUIRE_PYTHON_REFERENCE=1 SPO_REQUIRE_PYTHON_WIRE=1 swift test --skip-build
