import StudyCore

/// One stage attempt as a SLURM batch job: the files it uses beside the stage's log, the job
/// script, and the `sbatch` arguments. Pure values, so tests check them exactly.
///
/// Files, next to `.studyflow/logs/RUN/STAGE.log` (the workspace is on the file system the nodes
/// share, as on real clusters):
/// ```
/// STAGE.sbatch      the job script
/// STAGE.spec.json   the frozen stage specification (built-in stages only)
/// STAGE.status      the command's exit status, written by the job script as its last act
/// ```
struct SlurmSubmission: Sendable {
    /// The job script's path.
    var script: String
    /// The status file's path.
    var statusFile: String
    /// The frozen specification's path (used by built-in stages).
    var specFile: String

    /// The files of the job that logs to `logPath`.
    init(logPath: String) {
        let base = logPath.hasSuffix(".log") ? String(logPath.dropLast(4)) : logPath
        script = base + ".sbatch"
        statusFile = base + ".status"
        specFile = base + ".spec.json"
    }

    /// `sbatch` arguments for `job` (without the program name), ending with the script.
    func arguments(for job: StageJob, settings: SlurmSettings) -> [String] {
        Self.arguments(name: job.stage, log: job.logPath, job: job, settings: settings, script: script)
    }

    /// `sbatch` arguments for a job named `studyflow-NAME` with SLURM's output going to `log`,
    /// the resources of `job`, ending with `script`; `array` (`--array=…`) goes before the script.
    static func arguments(name: String, log: String, job: StageJob, settings: SlurmSettings, script: String,
                          array: String? = nil) -> [String] {
        // SLURM expands %j, %x, … in file names; %% is a literal percent sign.
        let log = log.replacingPercent()
        // --no-requeue: a job whose node fails ends NODE_FAIL and the runner retries it as
        // 'retries:' allows; SLURM's requeue would rerun it behind studyflow's back.
        var arguments = ["--parsable", "--job-name=studyflow-" + name, "--chdir=" + job.root,
                         "--output=" + log, "--error=" + log, "--open-mode=append", "--no-requeue",
                         "--ntasks=1", "--cpus-per-task=\(max(1, job.threads))"]
        // The runner evaluates `2G * attempt` for each attempt; a job made elsewhere may still hold it.
        let resources = job.resources.forAttempt(job.attempt)
        if let memory = resources.memory.flatMap(ResourceFormat.memoryMegabytes) { arguments.append("--mem=\(memory)M") }
        if let time = resources.time.flatMap(ResourceFormat.timeMinutes) { arguments.append("--time=\(time)") }
        if let partition = settings.partition { arguments.append("--partition=" + partition) }
        if let account = settings.account { arguments.append("--account=" + account) }
        arguments += settings.extraArguments
        if let array { arguments.append("--array=" + array) }
        arguments.append(script)
        return arguments
    }

    /// The job script: enter the workspace root, export the stage's environment, run `command`
    /// (already a shell word list), then record its exit status atomically. A job killed before
    /// the end (scancel, node failure, time limit) leaves no status file, which is how the
    /// executor tells "failed" from "cancelled or lost".
    func scriptText(for job: StageJob, command: String) -> String {
        var lines = ["#!/bin/sh",
                     "# studyflow: stage '\(job.stage)', attempt \(job.attempt); written by the submitting process, do not edit",
                     "cd \(ShellQuote.quote(job.root)) || exit 1"]
        for (name, value) in job.environment.sorted(by: { $0.key < $1.key }) {
            lines.append("export \(name)=\(ShellQuote.quote(value))")
        }
        lines.append("\(command) < /dev/null")
        lines.append("status=$?")
        let status = ShellQuote.quote(statusFile)
        let temporary = ShellQuote.quote(statusFile + ".tmp")
        lines.append("echo \"$status\" > \(temporary) && mv -f \(temporary) \(status)")
        lines.append("exit \"$status\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The command line the job script runs for `action`; a shell stage with a container runs the
    /// same runtime command line as the local executor (the job script exports the values its
    /// `-e NAME` arguments pass in), a sandboxed one the same bwrap argv.
    func command(for action: StageJob.Action, container: ContainerInvocation? = nil, sandbox: SandboxInvocation? = nil,
                 studyflowBinary: String) -> String {
        switch action {
        case .shell(let command):
            if let container {
                let exports = container.runtime.kind == .apptainer ? Self.apptainerExports(container) : ""
                return exports + container.arguments(command: command).map(ShellQuote.quote).joined(separator: " ")
            }
            if let sandbox { return sandbox.shellCommand(command: command) }
            return "/bin/sh -c \(ShellQuote.quote(command))"
        case .builtin:
            return "\(ShellQuote.quote(studyflowBinary)) exec-stage \(ShellQuote.quote(specFile))"
        }
    }
}

extension SlurmSubmission {
    /// `APPTAINERENV_NAME="$NAME" ` for each passed variable, so apptainer's clean environment gets them.
    static func apptainerExports(_ container: ContainerInvocation) -> String {
        container.variables.map { "APPTAINERENV_\($0)=\"$\($0)\" " }.joined()
    }
}

extension String {
    /// `%` doubled, for SLURM file-name patterns.
    func replacingPercent() -> String {
        var out = ""
        for c in self { out.append(c); if c == "%" { out.append("%") } }
        return out
    }
}
