// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "StudyFlow",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "studyflow", targets: ["studyflow"]),
        .library(name: "StudyCore", targets: ["StudyCore"]),
        .library(name: "StudyEngine", targets: ["StudyEngine"]),
        // For bench/libraries only (our CSV reader and Markdown beside the mirror's libraries).
        .library(name: "StudyStages", targets: ["StudyStages"]),
        .library(name: "StudyReport", targets: ["StudyReport"]),
        .plugin(name: "StudyflowPlugin", targets: ["StudyflowPlugin"]),
        .plugin(name: "ValidateWorkflowsPlugin", targets: ["ValidateWorkflowsPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        // Workflow model, YAML loading with source locations, diagnostics, the stage graph, digests.
        .target(
            name: "StudyCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Content-addressed objects, action records, the stat cache, on-disk layout and the workspace lock.
        .target(name: "StudyStore", dependencies: ["StudyCore"]),
        // Starts a stage under a supervisor that dies with studyflow (fork + PR_SET_PDEATHSIG, which posix_spawn cannot do).
        .target(name: "CStageSpawn"),
        // Plan (what is stale and why), the Dispatch scheduler, executors and run events.
        .target(name: "StudyEngine", dependencies: ["StudyCore", "StudyStore", "CStageSpawn"]),
        // libgit2 from Debian's libgit2-dev (Homebrew's libgit2 on macOS; pkg-config `libgit2`); imported by StudyProvenance only.
        .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"]), .brew(["libgit2"])]),
        // Run records as git commits on refs/studyflow/runs, the run history and file lineage (audit).
        .target(name: "StudyProvenance", dependencies: ["StudyCore", "StudyStore", "CLibGit2", "CLibGit2Startup"]),
        // Replaces libgit2's start-up parse of the system CA bundle (Debian's libgit2 uses mbedTLS), which no local
        // repository needs: ~4 ms of every command's CPU.
        .target(name: "CLibGit2Startup"),
        // Survival analysis (Kaplan-Meier, log-rank, Cox, PH test) matching R's survival, and seeded simulation
        // (random streams, virtual cohorts, trial power), as pure functions on arrays.
        .target(name: "StudyStats"),
        // SVG charts (Kaplan-Meier, forest, power), tables and self-contained HTML / Markdown reports from plain values.
        .target(name: "StudyReport"),
        // Built-in stage kinds (ingest/csv, survival/…, simulate/…, report/html), one file each, adapting Stats and Report to the engine.
        // Yams reads small YAML files and upstream JSON results (JSON is YAML).
        .target(
            name: "StudyStages",
            dependencies: ["StudyCore", "StudyEngine", "StudyStats", "StudyReport", .product(name: "Yams", package: "Yams")]
        ),
        // The command-line interface: one subcommand per file, wiring every module together.
        .target(
            name: "StudyCommands",
            dependencies: [
                "StudyCore", "StudyStore", "StudyEngine", "StudyStages", "StudyProvenance",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The `studyflow` executable: entry point only.
        .executableTarget(name: "studyflow", dependencies: ["StudyCommands"]),
        // Fakes and fixtures shared by the test targets (fake executor, workflow builders, temp workspaces).
        .target(name: "_StudyTestSupport", dependencies: ["StudyCore", "StudyStore", "StudyEngine"]),

        // `swift package studyflow run …` from a package that depends on StudyFlow.
        .plugin(
            name: "StudyflowPlugin",
            capability: .command(
                intent: .custom(verb: "studyflow", description: "Run the studyflow CLI in this package's directory"),
                permissions: [.writeToPackageDirectory(reason: "studyflow writes stage outputs and .studyflow/ state")]
            ),
            dependencies: ["studyflow"]
        ),
        // `swift package validate-workflows`: checks every Workflows/*.yaml without running anything.
        .plugin(
            name: "ValidateWorkflowsPlugin",
            capability: .command(
                intent: .custom(verb: "validate-workflows", description: "Validate every Workflows/*.yaml")
            ),
            dependencies: ["studyflow"]
        ),

        // Yams: the loader's own YAML composer is checked against the one it replaced.
        .testTarget(name: "StudyCoreTests", dependencies: ["StudyCore", "_StudyTestSupport", .product(name: "Yams", package: "Yams")]),
        .testTarget(name: "StudyStoreTests", dependencies: ["StudyStore", "_StudyTestSupport"]),
        .testTarget(name: "StudyEngineTests", dependencies: ["StudyEngine", "_StudyTestSupport"]),
        .testTarget(name: "StudyCommandsTests", dependencies: ["StudyCommands", "_StudyTestSupport"]),
        .testTarget(name: "StudyProvenanceTests", dependencies: ["StudyProvenance", "_StudyTestSupport"]),
        .testTarget(name: "StudyStatsTests", dependencies: ["StudyStats", "_StudyTestSupport"], exclude: ["Reference"]),
        .testTarget(name: "StudyStagesTests", dependencies: ["StudyStages", "_StudyTestSupport"], exclude: ["KindDigests"]),
        .testTarget(name: "StudyReportTests", dependencies: ["StudyReport", "_StudyTestSupport"], exclude: ["Golden"]),
    ],
    swiftLanguageModes: [.v6]
)
