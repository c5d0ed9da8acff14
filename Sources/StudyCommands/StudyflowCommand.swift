import ArgumentParser
import StudyCore
import StudyEngine
import StudyStages
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The `studyflow` command: one subcommand per file in this module.
public struct StudyflowCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "studyflow",
        abstract: "Run reproducible study workflows: rerun only what changed, and know where every result came from.",
        discussion: """
        Examples:
          studyflow init                       # scaffold Workflows/main.yaml
          studyflow run                        # run the workflow in Workflows/
          studyflow run -n                     # show what would run, and why
          studyflow status                     # up to date or stale, with reasons
          studyflow run -j 4 --param seed=7    # 4 slots, override a parameter
          studyflow graph --format dot | dot -Tsvg > graph.svg
          studyflow log                        # run history (refs/studyflow/runs)
          studyflow audit results/km.json --verify   # lineage of a result, re-hashed
          studyflow diff                       # what changed between the last two runs

        Exit status: 0 success, 1 a stage failed, 2 invalid workflow or usage.
        """,
        version: "studyflow \(StudyflowVersion.current)",
        subcommands: [RunCommand.self, StatusCommand.self, GraphCommand.self, ValidateCommand.self,
                      GCCommand.self, FsckCommand.self, InitCommand.self, LogCommand.self, AuditCommand.self, DiffCommand.self, ReproduceCommand.self,
                      CrateCommand.self, ExecStageCommand.self],
        defaultSubcommand: nil
    )

    public init() {}

    /// The stage kinds this build knows: the built-in ones.
    static var registry: StageKindRegistry { StageKindRegistry(BuiltinKinds.all) }

    /// Parses the arguments, runs the command and exits with 0, 1 or 2 (never ArgumentParser's 64).
    public static func entry() -> Never {
        // One malloc arena: worker threads then reuse memory the main thread freed after parsing
        // the workflow, instead of each growing an arena of its own (10 MB less peak RSS at 10,000 stages).
        #if os(Linux)
        _ = studyflow_mallopt(-8 /* M_ARENA_MAX */, 1)
        #endif // Darwin's allocator has no arena limit to set.
        do {
            var command = try parseAsRoot()
            try command.run()
            terminate(0)
        } catch {
            let status = ExitStatus(for: error)
            status.print()
            terminate(status.code)
        }
    }
}

/// Built-in stage kinds of this build.
enum BuiltinKinds {
    static var all: [any StageKind] { BuiltinStageKinds.all }
}

/// Ends the process with `code` (a free function: inside a command, `exit` names ArgumentParser's).
private func terminate(_ code: Int32) -> Never {
    exit(code)
}

#if os(Linux)
/// glibc's `mallopt(3)`; `<malloc.h>` is not part of Swift's Glibc module.
@_silgen_name("mallopt")
private func studyflow_mallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
