#!/usr/bin/env bash
# Synthesises every example challenge and runs cfn-lint on its templates for the challenge's
# region (default eu-west-3). Fails on errors only; cfn-lint's warnings are printed.
# cfn-lint is a Python tool (no Debian package): `pipx install cfn-lint` or `pip install cfn-lint`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cfn-lint > /dev/null; then
  echo "cfn-lint is not installed, templates not linted." >&2
  echo "Install it with 'pipx install cfn-lint' (or 'pip install --user cfn-lint') and run 'npm run lint:cfn' again." >&2
  exit 0
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for file in examples/*/challenge.yaml; do
  challenge=$(dirname "$file")
  region=$(sed -n 's/^  region: *\([a-z0-9-]*\).*/\1/p' "$challenge/challenge.yaml" | head -1)
  echo "== $challenge (${region:-eu-west-3})"
  npx cdk synth --quiet -c challenge="$challenge" -o "$out/$(basename "$challenge")" > /dev/null
  cfn-lint --regions "${region:-eu-west-3}" --non-zero-exit-code error -- "$out/$(basename "$challenge")"/*.template.json
done
echo "cfn-lint: no errors"
