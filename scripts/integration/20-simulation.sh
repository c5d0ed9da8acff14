# Simulation (issue 5): the release binary runs the simulation example with --jobs 1 and --jobs 2
# from fresh copies; every output must be byte-identical. Sourced by scripts/test-integration.sh.
for jobs in 1 2; do
    rm -rf "$work/simulation-j$jobs"
    cp -R "$root/Workflows/examples/simulation" "$work/simulation-j$jobs"
    check "$bin" run -C "$work/simulation-j$jobs" workflow.yaml -j "$jobs"
done
for output in cohort.csv cohort-truth.json km-by-treatment.json cox.json trial-power.json; do
    check cmp "$work/simulation-j1/results/$output" "$work/simulation-j2/results/$output"
done
