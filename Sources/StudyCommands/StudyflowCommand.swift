import ArgumentParser
import StudyEngine
import StudyStages
#if canImport(Glibc)
import Glibc
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

    /// The stage kinds this build knows. Later modules add theirs here.
    static var registry: StageKindRegistry { StageKindRegistry(BuiltinKinds.all) }

    /// Parses the arguments, runs the command and exits with 0, 1 or 2 (never ArgumentParser's 64).
    public static func entry() -> Never {
        // One malloc arena: worker threads then reuse memory the main thread freed after parsing
        // the workflow, instead of each growing an arena of its own (10 MB less peak RSS at 10,000 stages).
        _ = studyflow_mallopt(-8 /* M_ARENA_MAX */, 1)
        do {
            var command = try parseAsRoot()
            try command.run()
            Glibc.exit(0)
        } catch let error as CommandError {
            switch error {
            case .exit(let code): Glibc.exit(code)
            case .usage(let message): Console.err("studyflow: error: \(message)\n"); Glibc.exit(2)
            case .failure(let message): Console.err("studyflow: error: \(message)\n"); Glibc.exit(1)
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version
                Console.out(fullMessage(for: error) + "\n")
                Glibc.exit(0)
            }
            if error is ExitCode { Glibc.exit(code.rawValue) }
            let message = fullMessage(for: error)
            if code == .validationFailure || error is ValidationError {
                Console.err(message + "\n")
                Glibc.exit(2)
            }
            Console.err("studyflow: error: \(message)\n")
            Glibc.exit(1)
        }
    }
}

/// Built-in stage kinds of this build.
enum BuiltinKinds {
    static var all: [any StageKind] { BuiltinStageKinds.all }
}

/// glibc's `mallopt(3)`; `<malloc.h>` is not part of Swift's Glibc module.
@_silgen_name("mallopt")
private func studyflow_mallopt(_ parameter: Int32, _ value: Int32) -> Int32
