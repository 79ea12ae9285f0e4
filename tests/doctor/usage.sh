#!/bin/bash
# Usage errors exit 2 with a message; --help documents every option and the exit statuses.
. "$(dirname "$0")/lib.sh"
cd "$SCRATCH"

doctor --help
expect_status 0 "--help"
for word in --python --script --json --measure "Exit status" docs/doctor.md strace ESTIMATE; do
  grep -qF -- "$word" "$OUT" || fail "--help does not mention $word: $(cat "$OUT")"
done
run "$PYBCAST" --help
grep -q "^  doctor " "$OUT" || fail "pybcast --help does not list doctor: $(cat "$OUT")"
run "$PYBCAST" doctr
expect_status 2 "misspelt command"
grep -q "did you mean 'doctor'" "$ERR" || fail "no suggestion: $(cat "$ERR")"

doctor --no-such-option
expect_status 2 "unknown option"
doctor --measure
expect_status 2 "--measure without code"
doctor --python "$PYTHON" --script "$SCRATCH/missing.py"
expect_status 2 "missing script"
grep -q "missing.py" "$ERR" || fail "the error does not name the script: $(cat "$ERR")"
doctor --python "$SCRATCH/no-python"
expect_status 2 "a --python that does not exist"
grep -q "no-python" "$ERR" || fail "the error does not name the python: $(cat "$ERR")"
doctor --python /bin/false
expect_status 2 "a --python that fails"
echo "ok: usage errors exit 2 with a message; --help is complete"
