# tests/test_helper.bash -- loaded by every BATS file (bats-core tutorial layout).
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
# Binaries: $AUTOPEFT_BIN if set (e.g. a sanitizer build dir), else bin/.
BIN="${AUTOPEFT_BIN:-$ROOT/bin}"
PATH="$BIN:$PATH"
export ROOT BIN PATH
# Real data and vocabulary shipped beside the project (not copied into it).
SHARED="${AUTOPEFT_SHARED:-$ROOT/../shared}"
export SHARED

# Skip the current test unless ../shared holds PATH (relative to SHARED).
require_shared() {
    [ -e "$SHARED/$1" ] || skip "needs \$SHARED/$1 (../shared is absent)"
}
