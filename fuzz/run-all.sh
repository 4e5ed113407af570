#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 200), two at a time with one libFuzzer process
# each (-jobs=1 -workers=1), then prints a markdown row of figures per target (see
# docs/fuzzing.md). Each run works in its own directory under $FUZZ_RUNS, because libFuzzer
# with -jobs writes its output to ./fuzz-0.log. Grown corpora go to fuzz/corpus/<target>,
# crashes to fuzz/artifacts/<target>; both are ignored by git.
set -euo pipefail
secs=${1:-200}
fuzz=$(cd "$(dirname "$0")" && pwd)
runs=${FUZZ_RUNS:-/tmp/qualys-fuzz-runs}
targets=(xml_walk errors_check about_parse portal_version hostasset_count hostasset_search_page
    users_list users_output scans_launched dates_parse cursor_decode server_resolve)

run_one() {
    local target=$1 dir=$runs/$1 dict=()
    case $target in
        dates_parse | cursor_decode | server_resolve) ;;
        *) dict=("-dict=$fuzz/xml.dict") ;;
    esac
    rm -rf "$dir" && mkdir -p "$dir" "$fuzz/corpus/$target"
    cd "$dir"
    cargo +nightly fuzz run --fuzz-dir "$fuzz" -a "$target" \
        "$fuzz/corpus/$target" "$fuzz/seeds/$target" -- "${dict[@]}" \
        -max_total_time="$secs" -timeout=10 -jobs=1 -workers=1 -print_final_stats=1 \
        >run.out 2>&1 || true
}

cargo +nightly fuzz build --fuzz-dir "$fuzz" -a
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run_one "${targets[i]}" &
    run_one "${targets[i + 1]}" &
    wait
done

echo "| target | executions | exec/s | duration | corpus (units/size) | crashes |"
echo "| --- | ---: | ---: | ---: | --- | ---: |"
for target in "${targets[@]}"; do
    log=$runs/$target/fuzz-0.log
    executed=$(grep -oP 'stat::number_of_executed_units: *\K[0-9]+' "$log" || echo "?")
    per_sec=$(grep -oP 'stat::average_exec_per_sec: *\K[0-9]+' "$log" || echo "?")
    took=$(grep -oP '^Done [0-9]+ runs in \K[0-9]+' "$log" || echo "?")
    corpus=$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oP 'corp: \K[^ ]+' || echo "?")
    crashes=$(find "$fuzz/artifacts/$target" -type f 2>/dev/null | wc -l)
    echo "| \`$target\` | $executed | $per_sec | ${took} s | $corpus | $crashes |"
done
