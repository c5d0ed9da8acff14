import StudyCore
@testable import StudyEngine
import StudyStore
import Testing

// bubblewrap and its namespace flags exist only on Linux.
#if os(Linux)
/// The bubblewrap command line of a sandboxed stage, exactly: system directories, the private
/// `/tmp`, the read-only workspace skeleton, inputs read-only and staging directories at the
/// outputs' parents, for file and directory artifacts and paths with spaces; and the SLURM
/// job-script form.
@Suite("Sandbox invocation")
struct SandboxInvocationTests {
    private let system = [SystemEntry("/usr", .directory), SystemEntry("/bin", .symlink("usr/bin")), SystemEntry("/etc", .directory)]

    private func staging(outputs: [Artifact], root: String = "/w/my study") -> SandboxStaging {
        SandboxStaging(stage: Stage(id: "clean", action: .shell(CommandTemplate("true")), outputs: outputs),
                       layout: StoreLayout(root: root))
    }

    @Test("file and directory inputs (in the workspace, absolute, climbing out) are bound read-only, outputs' parents get staging directories, nearest the root first")
    func goldenArgv() {
        let outputs = [Artifact(path: "results/out file.csv"), Artifact(path: "results/figs", isDirectory: true), Artifact(path: "summary.txt")]
        let invocation = staging(outputs: outputs).invocation(
            inputs: ["data/raw data.csv", "data/ref", "/refs/genome.fa", "../shared/x.csv", "scripts/clean.py", "data/ref"],
            bwrap: "/usr/bin/bwrap", system: system, passed: ["PATH"])
        let command = "python3 scripts/clean.py 'data/raw data.csv' > 'results/out file.csv'"
        let staged = "/w/my study/.studyflow/sandbox/clean"
        #expect(invocation.arguments(command: command) == [
            "/usr/bin/bwrap", "--unshare-all", "--die-with-parent",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--ro-bind", "/etc", "/etc",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/w/my study",
            "--bind", staged + "/1", "/w/my study",
            "--ro-bind", "/refs/genome.fa", "/refs/genome.fa",
            "--bind", staged + "/0", "/w/my study/results",
            "--ro-bind", "/w/shared/x.csv", "/w/shared/x.csv",
            "--ro-bind", "/w/my study/data/raw data.csv", "/w/my study/data/raw data.csv",
            "--ro-bind", "/w/my study/data/ref", "/w/my study/data/ref",
            "--ro-bind", "/w/my study/scripts/clean.py", "/w/my study/scripts/clean.py",
            "--chdir", "/w/my study", "/bin/sh", "-c", command,
        ])
    }

    @Test("without an output at the root, the workspace skeleton is remounted read-only after the mounts (equal depths in declaration order, outputs first), so an undeclared write fails")
    func skeletonReadOnly() {
        let invocation = staging(outputs: [Artifact(path: "out/deep/a b.txt")], root: "/ws").invocation(
            inputs: ["in/x.csv"], bwrap: "/usr/bin/bwrap", system: [], passed: [])
        #expect(invocation.arguments(command: "cat in/x.csv > 'out/deep/a b.txt'") == [
            "/usr/bin/bwrap", "--unshare-all", "--die-with-parent",
            "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/ws",
            "--bind", "/ws/.studyflow/sandbox/clean/0", "/ws/out/deep",
            "--ro-bind", "/ws/in/x.csv", "/ws/in/x.csv",
            "--remount-ro", "/ws", "--chdir", "/ws", "/bin/sh", "-c", "cat in/x.csv > 'out/deep/a b.txt'",
        ])
    }

    @Test("a SLURM job script runs the same argv, quoted, under 'env -i' that keeps only the passed variables by expansion")
    func jobScriptLine() {
        let invocation = staging(outputs: [Artifact(path: "out/a b.txt")], root: "/ws").invocation(
            inputs: ["it's.csv"], bwrap: "/usr/bin/bwrap", system: [], passed: ["STUDYFLOW_PARAM_N", "PATH", "bad-name"])
        #expect(invocation.shellCommand(command: "cat \"it's.csv\" > 'out/a b.txt'") == """
        env -i HOME=/tmp ${PATH+"PATH=$PATH"} ${STUDYFLOW_PARAM_N+"STUDYFLOW_PARAM_N=$STUDYFLOW_PARAM_N"} /usr/bin/bwrap --unshare-all --die-with-parent --proc /proc --dev /dev --tmpfs /tmp --tmpfs /ws --bind /ws/.studyflow/sandbox/clean/0 /ws/out --ro-bind '/ws/it'\\''s.csv' '/ws/it'\\''s.csv' --remount-ro /ws --chdir /ws /bin/sh -c 'cat "it'\\''s.csv" > '\\''out/a b.txt'\\'''
        """)
    }

    @Test("the job script of a sandboxed shell stage runs the bwrap line; other stages keep /bin/sh -c")
    func slurmCommand() {
        let submission = SlurmSubmission(logPath: "/ws/.studyflow/logs/1/s.log")
        let invocation = SandboxInvocation(bwrap: "/usr/bin/bwrap", root: "/ws", system: [], readOnly: [], writable: [], passed: [])
        #expect(submission.command(for: .shell("echo hi"), sandbox: invocation, studyflowBinary: "/bin/studyflow")
                == "env -i HOME=/tmp /usr/bin/bwrap --unshare-all --die-with-parent --proc /proc --dev /dev --tmpfs /tmp --tmpfs /ws --remount-ro /ws --chdir /ws /bin/sh -c 'echo hi'")
        #expect(submission.command(for: .shell("echo hi"), studyflowBinary: "/bin/studyflow") == "/bin/sh -c 'echo hi'")
    }
}
#endif

/// What sandboxed stages need from the host, on every platform: the environment the command sees,
/// and the errors when `bwrap` is missing.
@Suite("Sandbox settings")
struct SandboxSettingsTests {
    @Test("the command sees HOME=/tmp, PATH and the passed variables that are set, the stage's own winning, and nothing else")
    func environment() {
        let invocation = SandboxInvocation(bwrap: "/usr/bin/bwrap", root: "/ws", system: [], readOnly: [], writable: [],
                                           passed: ["PATH", "LANG", "UNSET", "STUDYFLOW_STAGE"])
        let caller = ["PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "SECRET": "x", "HOME": "/root", "STUDYFLOW_STAGE": "outer"]
        #expect(invocation.environment(stage: ["STUDYFLOW_STAGE": "s"], caller: { caller[$0] })
                == ["HOME=/tmp", "LANG=C.UTF-8", "PATH=/usr/bin:/bin", "STUDYFLOW_STAGE=s"])
        #expect(invocation.environment(stage: [:], caller: { _ in nil }) == ["HOME=/tmp", "PATH=/usr/local/bin:/usr/bin:/bin"])
    }

    @Test("a missing bwrap is an error before anything runs, naming the stage or the flag and the fix")
    func missingBwrap() throws {
        let stages = [Stage(id: "km", action: .builtin(kind: "survival/kaplan-meier", with: .object([:]))),
                      { var s = Stage(id: "clean", action: .shell(CommandTemplate("true"))); s.sandbox = true; return s }(),
                      Stage(id: "plain", action: .shell(CommandTemplate("true")))]
        #expect(throws: SandboxError.bwrapMissing(stage: "clean")) {
            try SandboxSettings.resolve(everyStage: false, stages: stages, searchPath: "/nonexistent")
        }
        #expect(SandboxError.bwrapMissing(stage: "clean").description
                == "stage 'clean' runs sandboxed ('sandbox: true'), but 'bwrap' (bubblewrap) is not on PATH; install it ('apt-get install bubblewrap') or drop 'sandbox:'")
        #expect(throws: SandboxError.bwrapMissingForFlag) {
            try SandboxSettings.resolve(everyStage: true, stages: [stages[2]], searchPath: "/nonexistent:relative/dir")
        }
        #expect(SandboxError.bwrapMissingForFlag.description
                == "'--sandbox' runs every 'run:' stage under bubblewrap, but 'bwrap' is not on PATH; install it ('apt-get install bubblewrap') or run without '--sandbox'")
        // Nothing sandboxed: no bwrap needed, and built-ins are never sandboxed even with --sandbox.
        let none = try SandboxSettings.resolve(everyStage: false, stages: [stages[2]], searchPath: "/nonexistent")
        #expect(none.bwrap == nil && none.system.isEmpty)
        #expect(try SandboxSettings.resolve(everyStage: true, stages: [stages[0]], searchPath: "/nonexistent").bwrap == nil)
        #expect(!SandboxSettings(everyStage: true).applies(to: stages[0]))
    }
}
