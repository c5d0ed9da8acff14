import StudyCore

/// Ready stages of one `group:` (as Snakemake's groups), packed into group jobs that each run
/// their stages one after another, submitted as ONE `sbatch --array=0-(k-1)%T` (task `i` is group
/// job `i`). Each stage keeps its own job script (`STAGE.sbatch`, written as for a single job, so
/// the command line is written in one place) and its own status file; the group job adds one
/// status for itself, written as its last act, which the poller watches. Pure values, so tests
/// check them exactly.
///
/// Files, beside the stages' logs in `.studyflow/logs/RUN/`:
/// ```
/// GROUP.group-N.sbatch        the wrapper: runs its task's stages in manifest order, each one's
///                             output appended to its own log, and stops at the first failure
/// GROUP.group-N.manifest      one line per stage: "TASK BASE", in the order the stages run
/// GROUP.group-N-TASK.status   the group job's status: 0, or the failing stage's
/// GROUP.group-N.out           what SLURM itself writes for the group jobs (kill notices)
/// ```
struct SlurmGroup: Sendable, Equatable {
    /// The group's name (`tiny`).
    var name: String
    /// The directory of the stages' logs (all in one run's log directory).
    var directory: String
    /// Per group job (array task), its stages' file base names (`cox@msk`) in the order they run.
    var jobs: [[String]]
    /// Which submission of this group in the run (1, 2, …), naming its files.
    var number: Int

    /// The wrapper's path.
    var script: String { directory + "/\(name).group-\(number).sbatch" }
    /// The manifest's path.
    var manifest: String { directory + "/\(name).group-\(number).manifest" }
    /// Where SLURM writes its own messages about the group jobs.
    var output: String { directory + "/\(name).group-\(number).out" }
    /// The status file group job `task` writes when it ends.
    func statusFile(task: Int) -> String { directory + "/\(name).group-\(number)-\(task).status" }

    /// `--array=0-(k-1)%T`: every group job, at most `throttle` running at once.
    func range(throttle: Int) -> String { "0-\(jobs.count - 1)%\(max(1, throttle))" }

    /// The manifest's text: `TASK BASE` per stage, in task order, each task's stages in run order.
    var manifestText: String {
        jobs.enumerated().map { task, bases in bases.map { "\(task) \($0)\n" }.joined() }.joined()
    }

    /// The wrapper: runs its task's stages in order (each stage's job script records that stage's
    /// status), stops at the first that fails (the stages after it stay unrun, so the next run
    /// does them), then records the group job's own status.
    var scriptText: String {
        let dir = ShellQuote.quote(directory)
        let stem = "\(name).group-\(number)"
        return """
        #!/bin/sh
        # studyflow: group '\(name)', \(jobs.count) group jobs of \(jobs.map(\.count).reduce(0, +)) stages; written by the submitting process, do not edit
        set -f
        dir=\(dir)
        task="${SLURM_ARRAY_TASK_ID:-0}"
        status=1
        ran=0
        for base in $(awk -v t="$task" '$1 == t { print $2 }' "$dir"/\(ShellQuote.quote(stem + ".manifest"))); do
          ran=1
          /bin/sh "$dir/$base.sbatch" >> "$dir/$base.log" 2>&1 < /dev/null
          status=$?
          [ "$status" -eq 0 ] || break
        done
        if [ "$ran" -eq 0 ]; then echo "studyflow: group task '$task' is not in the manifest" >&2; fi
        echo "$status" > "$dir/\(stem)-$task.status.tmp" && mv -f "$dir/\(stem)-$task.status.tmp" "$dir/\(stem)-$task.status"
        exit "$status"

        """
    }

    /// Splits `count` stages into group jobs of at most `components` stages (all in one when
    /// `nil`), and those into arrays of at most `maxArraySize` group jobs, in order.
    static func plan(_ count: Int, components: Int?, maxArraySize: Int) -> [[Range<Int>]] {
        let size = max(1, components ?? count)
        let jobs = stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
        return SlurmArray.chunks(jobs.count, maxArraySize: maxArraySize).map { Array(jobs[$0]) }
    }

    /// What one array of group jobs asks of SLURM: the most threads and memory any stage asks
    /// (the stages run one after another) and the longest group job's summed time. A group job
    /// gets no time limit of its own (the partition's default) when one of its stages sets none.
    static func resources(_ jobs: [[StageResources]]) -> StageResources {
        let members = jobs.flatMap { $0 }
        let threads = members.map(\.threads).max() ?? 1
        let memory = members.compactMap { $0.memory.flatMap(ResourceFormat.memoryMegabytes) }.max().map { "\($0)M" }
        let times = jobs.map { job -> Int? in
            let minutes = job.map { $0.time.flatMap(ResourceFormat.timeMinutes) }
            guard minutes.allSatisfy({ $0 != nil }) else { return nil }
            return minutes.reduce(0) { $0 + $1! }
        }
        let time = times.allSatisfy({ $0 != nil }) ? times.map { $0! }.max().map { "\($0)m" } : nil
        return StageResources(threads: threads, memory: memory, time: time)
    }
}
