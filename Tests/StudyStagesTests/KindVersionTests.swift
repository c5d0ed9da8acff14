import Foundation
import StudyCore
import StudyEngine
import StudyStages
import Testing
import _StudyTestSupport

/// What one built-in kind wrote on its fixed inputs: the kind's `version` and the SHA-256 of each
/// output, by output name.
struct KindDigests: Codable, Equatable, Sendable {
    var version: Int
    var outputs: [String: String]
}

/// The table of kind digests in KindDigests/kinds.json and its comparison. A kind's `version` is in
/// every cache key of its stages, so output bytes that change without a bump serve stale cached
/// results; the table holds both, and a change of bytes at the same version fails with a message
/// saying which file to bump. Recording (`STUDYFLOW_RECORD_GOLDEN=1`) refuses to paper over such a
/// change: bump the version first. If a fixture itself changes, delete that kind's entry and record.
enum KindDigestTable {
    static let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("KindDigests/kinds.json")
    static let record = "STUDYFLOW_RECORD_GOLDEN=1 swift test --filter KindVersionTests"

    static var recording: Bool { ProcessInfo.processInfo.environment["STUDYFLOW_RECORD_GOLDEN"] == "1" }

    /// The recorded table; empty when the file is missing, a thrown error when it does not parse.
    static func load() throws -> [String: KindDigests] {
        guard let data = try? Data(contentsOf: url) else { return [:] }
        return try JSONDecoder().decode([String: KindDigests].self, from: data)
    }

    static func save(_ table: [String: KindDigests]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (encoder.encode(table) + Data("\n".utf8)).write(to: url)
    }

    static func short(_ hex: String?) -> String { hex.map { $0.prefix(12) + "…" } ?? "(none)" }

    /// Every difference between the table and what the kinds wrote now, one message each. `sources`
    /// names the file declaring each kind's `version`; `bytesOnly` keeps only the differences a
    /// recording must not overwrite (changed bytes at an unchanged version).
    static func problems(table: [String: KindDigests], actual: [String: KindDigests], sources: [String: String],
                         bytesOnly: Bool = false) -> [String] {
        var problems: [String] = []
        for kind in actual.keys.sorted() {
            let now = actual[kind]!
            guard let held = table[kind] else {
                if !bytesOnly {
                    problems.append("\(kind): no entry in the table of kind digests; add it by recording with \(record) and commit Tests/StudyStagesTests/KindDigests/kinds.json")
                }
                continue
            }
            if held.version != now.version {
                if !bytesOnly {
                    problems.append("\(kind): version is now \(now.version) but the table holds version \(held.version); re-record the table with \(record) and commit Tests/StudyStagesTests/KindDigests/kinds.json")
                }
                continue
            }
            for output in Set(held.outputs.keys).union(now.outputs.keys).sorted() where held.outputs[output] != now.outputs[output] {
                problems.append("\(kind): output '\(output)' changed (sha256 \(short(held.outputs[output])) → \(short(now.outputs[output]))) but its version is still \(now.version); bump `version` in \(sources[kind] ?? "its source file") so cached results rerun, then re-record with STUDYFLOW_RECORD_GOLDEN=1")
            }
        }
        for kind in table.keys.sorted() where actual[kind] == nil && !bytesOnly {
            problems.append("\(kind): in the table of kind digests but not a built-in kind; re-record the table with \(record)")
        }
        return problems
    }
}

/// One kind's fixed run: workspace-relative inputs and outputs and its `with:` settings.
struct KindFixture {
    var inputs: [String: String]
    var outputs: [String: String]
    var with: JSONValue
}

/// Every built-in kind run in-process on small fixed inputs, its outputs hashed and compared with
/// the table of kind digests, so a change of output bytes without a `version` bump fails here.
@Suite("built-in kinds: output digests against versions")
struct KindVersionTests {
    static let survival: [String: JSONValue] = ["time": .string("time"), "event": .string("status")]

    static let trial: [String: JSONValue] = [
        "hazard_ratios": .array([.number(0.6), .number(1)]), "sample_sizes": .array([.integer(40), .integer(80)]),
        "allocation": .number(0.5), "control_median": .integer(6), "accrual": .integer(12), "follow_up": .integer(12),
        "dropout": .number(0.01), "analysis": .string("log-rank"), "alpha": .number(0.05), "replicates": .integer(40),
        "seed": .integer(7),
    ]

    /// Frozen survival results the report reads (KindDigests/report-inputs/), so a change in a survival
    /// kind's bytes is blamed on that kind alone, not also on the report.
    static let reportInputs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("KindDigests/report-inputs")

    /// The fixture of each kind by name; every one reads only fixed files.
    static let fixtures: [(kind: String, fixture: KindFixture)] = [
        ("ingest/csv", KindFixture(inputs: ["table": "lung.csv"], outputs: ["table": "out/ingest.csv", "summary": "out/ingest.json"],
                                   with: .null)),
        ("survival/kaplan-meier", KindFixture(inputs: ["table": "lung.csv"], outputs: ["result": "results/km.json"],
                                              with: .object(survival.merging(["group": .string("sex"), "rmst_tau": .integer(965)]) { a, _ in a }))),
        ("survival/log-rank", KindFixture(inputs: ["table": "lung.csv"], outputs: ["result": "results/logrank.json"],
                                          with: .object(survival.merging(["group": .string("sex")]) { a, _ in a }))),
        ("survival/cox", KindFixture(inputs: ["table": "lung.csv"], outputs: ["result": "results/cox.json"],
                                     with: .object(survival.merging(["covariates": .array([.string("age"), .string("sex"), .string("ph.ecog")])]) { a, _ in a }))),
        ("survival/parametric", KindFixture(inputs: ["table": "lung.csv"], outputs: ["result": "results/parametric.json"],
                                            with: .object(survival.merging(["covariates": .array([.string("age"), .string("sex"), .string("ph.ecog")])]) { a, _ in a }))),
        ("survival/fine-gray", KindFixture(inputs: ["table": "mgus2.csv"], outputs: ["result": "results/fine-gray.json"],
                                           with: .object(["time": .string("etime"), "event": .string("event"), "cause": .integer(1),
                                                          "covariates": .array([.string("age"), .string("sex"), .string("hgb")])]))),
        ("survival/cumulative-incidence", KindFixture(inputs: ["table": "mgus2.csv"], outputs: ["result": "results/cuminc.json"],
                                                      with: .object(["time": .string("etime"), "event": .string("event"), "group": .string("sex")]))),
        ("simulate/cohort", KindFixture(inputs: [:], outputs: ["table": "out/cohort.csv", "truth": "out/truth.json"],
                                        with: .object(SimulationStageTests.cohort.merging(["patients": .integer(200)]) { _, b in b }))),
        ("simulate/trial", KindFixture(inputs: [:], outputs: ["result": "out/trial.json"], with: .object(trial))),
        ("report/html", KindFixture(
            inputs: ["km": "fixed/km.json", "logrank": "fixed/logrank.json", "cox": "fixed/cox.json",
                     "cox_multi": "fixed/cox.json", "published": "published.yaml"],
            outputs: ["report": "out/report.html", "summary": "out/report.md"], with: ReportStageTests.fullLayout)),
    ]

    /// Runs every fixture in a fresh workspace; returns the digests by kind, and the failures by kind.
    static func runAll() throws -> (digests: [String: KindDigests], failures: [String: String]) {
        let dir = TemporaryDirectory()
        try FileIO.createDirectories(dir.path + "/out")
        try FileIO.createDirectories(dir.path + "/results")
        dir.write("lung.csv", try String(contentsOfFile: SurvivalStageTests.lungPath, encoding: .utf8))
        dir.write("mgus2.csv", try String(contentsOf: SurvivalStageTests.reference.appendingPathComponent("mgus2.csv"), encoding: .utf8))
        dir.write("published.yaml", ReportStageTests.published)
        for file in ["km.json", "logrank.json", "cox.json"] {
            dir.write("fixed/" + file, try String(contentsOf: reportInputs.appendingPathComponent(file), encoding: .utf8))
        }
        let kinds = Dictionary(uniqueKeysWithValues: BuiltinStageKinds.all.map { ($0.name, $0) })
        var digests: [String: KindDigests] = [:]
        var failures: [String: String] = [:]
        for (name, fixture) in fixtures {
            guard let kind = kinds[name] else { continue }
            let absolute = { (paths: [String: String]) in paths.mapValues { dir.path + "/" + $0 } }
            let log = LogLines()
            let context = StageKindContext(
                stage: "s", root: dir.path, inputs: absolute(fixture.inputs), outputs: absolute(fixture.outputs),
                with: fixture.with, params: [:], inputProducers: fixture.inputs.filter { $0.value.hasPrefix("fixed/") }.mapValues { _ in "survival" },
                log: { log.append($0) })
            guard kind.run(context) == .succeeded else {
                failures[name] = "\(name): failed on its fixture; fix the fixture in KindVersionTests.fixtures or the kind:\n"
                    + log.lines.joined(separator: "\n")
                continue
            }
            var outputs: [String: String] = [:]
            for (output, path) in fixture.outputs {
                let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/" + path)))
                outputs[output] = Digest.of(bytes).hex
            }
            digests[name] = KindDigests(version: kind.version, outputs: outputs)
        }
        return (digests, failures)
    }

    static var sources: [String: String] {
        Dictionary(uniqueKeysWithValues: BuiltinStageKinds.all.map { ($0.name, "\(type(of: $0)).swift") })
    }

    @Test("every built-in kind has a fixture here")
    func everyKindHasFixture() {
        let covered = Set(Self.fixtures.map(\.kind))
        for kind in BuiltinStageKinds.all.map(\.name).sorted() where !covered.contains(kind) {
            Issue.record("\(kind): no fixture in KindVersionTests.fixtures; add small fixed inputs for it there, then record its digests with \(KindDigestTable.record)")
        }
        let registered = Set(BuiltinStageKinds.all.map(\.name))
        for kind in Self.fixtures.map(\.kind) where !registered.contains(kind) {
            Issue.record("\(kind): a fixture in KindVersionTests.fixtures but not a built-in kind; remove or rename it")
        }
        #expect(Set(Self.fixtures.map(\.kind)).count == Self.fixtures.count, "one fixture per kind")
    }

    @Test("each kind's output digests match the table at its version; changed bytes need a version bump")
    func digestsMatchVersions() throws {
        let run = try Self.runAll()
        for kind in run.failures.keys.sorted() { Issue.record(Comment(rawValue: run.failures[kind]!)) }
        let table = try KindDigestTable.load().filter { run.failures[$0.key] == nil }
        if KindDigestTable.recording {
            let refused = KindDigestTable.problems(table: table, actual: run.digests, sources: Self.sources, bytesOnly: true)
            for problem in refused { Issue.record(Comment(rawValue: problem)) }
            if refused.isEmpty && run.failures.isEmpty { try KindDigestTable.save(run.digests) }
            return
        }
        for problem in KindDigestTable.problems(table: table, actual: run.digests, sources: Self.sources) {
            Issue.record(Comment(rawValue: problem))
        }
    }

    @Test("the outputs are the same bytes in another workspace (nothing time- or path-dependent)")
    func outputsDeterministic() throws {
        let first = try Self.runAll(), second = try Self.runAll()
        #expect(first.failures.isEmpty)
        #expect(first.digests == second.digests)
        #expect(first.digests.count == Self.fixtures.count)
    }
}

/// The comparison's messages on fake mismatches.
@Suite("kind digest table messages")
struct KindDigestTableTests {
    static let old = "ab12" + String(repeating: "0", count: 60)
    static let new = "cd34" + String(repeating: "f", count: 60)
    static let sources = ["survival/cox": "CoxStage.swift"]

    @Test("changed bytes at the same version say to bump the version in the kind's file")
    func sameVersionChangedBytes() {
        let problems = KindDigestTable.problems(
            table: ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.old])],
            actual: ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.new])], sources: Self.sources)
        #expect(problems == ["survival/cox: output 'result' changed (sha256 ab1200000000… → cd34ffffffff…) but its version is still 3; bump `version` in CoxStage.swift so cached results rerun, then re-record with STUDYFLOW_RECORD_GOLDEN=1"])
        #expect(KindDigestTable.problems(
            table: ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.old])],
            actual: ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.new])], sources: Self.sources,
            bytesOnly: true) == problems)
    }

    @Test("a new output at the same version also needs a bump")
    func sameVersionNewOutput() {
        let problems = KindDigestTable.problems(
            table: ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.old])],
            actual: ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.old, "log": Self.new])],
            sources: Self.sources)
        #expect(problems == ["survival/cox: output 'log' changed (sha256 (none) → cd34ffffffff…) but its version is still 3; bump `version` in CoxStage.swift so cached results rerun, then re-record with STUDYFLOW_RECORD_GOLDEN=1"])
    }

    @Test("a bumped version says to re-record the table, and recording may proceed")
    func differentVersion() {
        let table = ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.old])]
        let actual = ["survival/cox": KindDigests(version: 4, outputs: ["result": Self.new])]
        #expect(KindDigestTable.problems(table: table, actual: actual, sources: Self.sources) == [
            "survival/cox: version is now 4 but the table holds version 3; re-record the table with STUDYFLOW_RECORD_GOLDEN=1 swift test --filter KindVersionTests and commit Tests/StudyStagesTests/KindDigests/kinds.json",
        ])
        #expect(KindDigestTable.problems(table: table, actual: actual, sources: Self.sources, bytesOnly: true).isEmpty)
    }

    @Test("a kind missing from the table says to add it; a stale entry says to re-record")
    func missingAndStale() {
        let problems = KindDigestTable.problems(
            table: ["survival/old": KindDigests(version: 1, outputs: [:])],
            actual: ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.old])], sources: Self.sources)
        #expect(problems == [
            "survival/cox: no entry in the table of kind digests; add it by recording with STUDYFLOW_RECORD_GOLDEN=1 swift test --filter KindVersionTests and commit Tests/StudyStagesTests/KindDigests/kinds.json",
            "survival/old: in the table of kind digests but not a built-in kind; re-record the table with STUDYFLOW_RECORD_GOLDEN=1 swift test --filter KindVersionTests",
        ])
    }

    @Test("identical digests at the same version pass")
    func identical() {
        let table = ["survival/cox": KindDigests(version: 3, outputs: ["result": Self.old])]
        #expect(KindDigestTable.problems(table: table, actual: table, sources: Self.sources).isEmpty)
    }
}
