import StudyCore

/// Ready instances of one fan-out template with equal resources, submitted as ONE
/// `sbatch --array=0-(n-1)%T`: each instance keeps its own job script (`STAGE.sbatch`, written as
/// for a single job, so the stage's command line is written in one place), and a per-array
/// manifest maps `SLURM_ARRAY_TASK_ID` to it. Pure values, so tests check them exactly.
///
/// Files, beside the instances' logs in `.studyflow/logs/RUN/`:
/// ```
/// TEMPLATE.array-N.sbatch     the array's wrapper: reads its task's line of the manifest and runs
///                             that instance's job script, output appended to the instance's log
/// TEMPLATE.array-N.manifest   one line per task: "TASK BASE" (BASE.sbatch, BASE.log, BASE.status)
/// TEMPLATE.array-N.out        what SLURM itself writes for the array's tasks (kill notices)
/// ```
struct SlurmArray: Sendable, Equatable {
    /// The fan-out template (`cox`).
    var template: String
    /// The directory of the instances' logs (all in one run's log directory).
    var directory: String
    /// The instances' file base names (`cox@msk`), in task order: task `i` is `bases[i]`.
    var bases: [String]
    /// Which array of this template in the run (1, 2, …), naming its files.
    var number: Int

    /// The wrapper's path.
    var script: String { directory + "/\(template).array-\(number).sbatch" }
    /// The manifest's path.
    var manifest: String { directory + "/\(template).array-\(number).manifest" }
    /// Where SLURM writes its own messages about the tasks.
    var output: String { directory + "/\(template).array-\(number).out" }

    /// `--array=0-(n-1)%T`: every instance, at most `throttle` running at once.
    func range(throttle: Int) -> String { "0-\(bases.count - 1)%\(max(1, throttle))" }

    /// SLURM's id of task `index` of array job `id`.
    static func taskID(_ id: String, _ index: Int) -> String { id + "_" + String(index) }

    /// The manifest's text: `TASK BASE` per line, in task order.
    var manifestText: String {
        bases.enumerated().map { "\($0.offset) \($0.element)\n" }.joined()
    }

    /// The wrapper: finds its task's instance in the manifest and runs that instance's job script
    /// (which records the exit status), its output appended to the instance's log. Its first line
    /// in `output` names the task's own job id, which slurmstepd's kill notices there use
    /// (`StepId=49.batch exceeded memory limit`), so `JobKillEvidence` can tell whose they are.
    var scriptText: String {
        let dir = ShellQuote.quote(directory)
        return """
        #!/bin/sh
        # studyflow: job array of stage '\(template)', \(bases.count) instances; written by the submitting process, do not edit
        dir=\(dir)
        base=$(awk -v t="$SLURM_ARRAY_TASK_ID" '$1 == t { print $2; exit }' "$dir"/\(ShellQuote.quote("\(template).array-\(number).manifest")))
        if [ -z "$base" ]; then echo "studyflow: array task '$SLURM_ARRAY_TASK_ID' is not in the manifest" >&2; exit 1; fi
        echo "studyflow: task $SLURM_ARRAY_TASK_ID is job $SLURM_JOB_ID ($base)"
        exec /bin/sh "$dir/$base.sbatch" >> "$dir/$base.log" 2>&1 < /dev/null

        """
    }

    /// Splits `count` instances into arrays of at most `maxArraySize` tasks (ids 0…size-1), in order.
    static func chunks(_ count: Int, maxArraySize: Int) -> [Range<Int>] {
        let size = max(1, maxArraySize)
        return stride(from: 0, to: count, by: size).map { $0..<min(count, $0 + size) }
    }
}
