import Foundation
import Testing
@testable import StudyStages

/// Each result member name is spelled as a string literal in exactly one source file: its model's
/// when one model writes it, `ResultKey.swift` when several do. A writer or reader that spells a
/// key itself (instead of going through the model) fails here, naming the file.
@Suite struct ResultKeyOwnershipTests {
    struct Model {
        var type: String
        var keys: [String]
        /// A realistic value using every member, encoded.
        var sample: ResultJSON
        /// Member names it writes through another model it embeds (owned and checked there).
        var embedded: [String] = []
    }

    static let models: [Model] = [
        Model(type: "KaplanMeierOutput", keys: KaplanMeierOutput.keys, sample: ResultModelSamples.kaplanMeier.encoded),
        Model(type: "LogRankOutput", keys: LogRankOutput.keys, sample: ResultModelSamples.logRank.encoded),
        Model(type: "CumulativeIncidenceOutput", keys: CumulativeIncidenceOutput.keys,
              sample: ResultModelSamples.cumulativeIncidence.encoded),
        Model(type: "CoxOutput", keys: CoxOutput.keys, sample: ResultModelSamples.cox.encoded),
        Model(type: "ParametricOutput", keys: ParametricOutput.keys, sample: ResultModelSamples.parametric.encoded),
        Model(type: "FineGrayOutput", keys: FineGrayOutput.keys, sample: ResultModelSamples.fineGray.encoded,
              embedded: CoxOutput.keys),
        Model(type: "TrialPowerOutput", keys: TrialPowerOutput.keys, sample: ResultModelSamples.trialPower.encoded),
        Model(type: "CohortTruthOutput", keys: CohortTruthOutput.keys, sample: ResultModelSamples.cohortTruth.encoded),
        Model(type: "IngestSummaryOutput", keys: IngestSummaryOutput.keys, sample: ResultModelSamples.ingestSummary.encoded),
    ]

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let sharedFile = "Sources/StudyStages/ResultKey.swift"

    /// Literals that spell a result key but mean something else. By folder, not file, so a
    /// settings reader may move within its family; keep this short and give the reason.
    static let otherMeanings: [(folder: String, keys: Set<String>, reason: String)] = [
        ("Sources/StudyStages/Survival/", ["time", "event", "group", "strata", "covariates", "conf_type", "conf_level", "rho", "distribution",
                                           "ties", "ph_test", "read", "cause", "reference"],
         "`with:` settings of the survival kinds (the result echoes some under the same name); the 'read' timing phase"),
        ("Sources/StudyStages/Simulation/", ["seed", "time", "event", "strata", "arms", "covariates", "log_hazard_ratios",
                                             "censoring", "decimals", "patients", "column", "levels", "label", "proportion",
                                             "shape", "median", "type", "prevalence", "mean", "sd", "term", "accrual",
                                             "follow_up", "dropout", "analysis", "alpha", "replicates", "allocation",
                                             "control_median", "control_median_from", "input", "group", "target_power"],
         "`with:` settings of simulate/cohort and simulate/trial (the results echo them under the same name)"),
        ("Sources/StudyStages/Ingest/", ["columns", "na", "filter", "require", "type", "name", "n", "read"],
         "`with:` settings of ingest/csv and its column specs; \"n\" for false; the 'read' timing phase"),
        ("Sources/StudyStages/Report/", ["type", "input", "file", "columns", "column", "term", "terms"],
         "report/html layout settings (a table's columns, a forest's terms) and published-figures YAML keys"),
        ("Sources/StudyReport/SVG", ["filter", "transform", "type"], "SVG element, attribute and CSS property names of the sanitizer's allow-lists"),
        ("Sources/StudyStages/ResultJSON.swift", ["null"], "the JSON literal null"),
        ("Sources/StudyStages/ResultValue.swift", ["null", "n"], "the JSON literal null; \\n in the parser's escapes"),
        ("Sources/StudyCore/", ["null", "n", "time", "name", "z", "type", "levels", "column", "label", "group"],
         "workflow YAML and JSON syntax, not results (fan-out `levels: {table, column}`, an item's `label` field, a stage's `group:`)"),
        ("Sources/StudyEngine/", ["kind", "stage", "type", "file", "label", "group"],
         "the frozen SLURM stage specification (gathered inputs' labels); messages; the SLURM journal's `group` of a group job"),
        ("Sources/StudyProvenance/", ["kind", "stage", "name", "file", "input", "z", "type"], "provenance records and RO-Crate"),
        ("Sources/StudyProvenance/JSONResultDiff.swift", ["term", "group", "name", "id", "stage", "arm", "level", "strata", "variable", "column", "scenario", "key", "path", "time"],
         "`diff` matches array elements of any JSON output (shell results too) by these identifying member names"),
        ("Sources/StudyStore/", ["read"], "store operations named in errors"),
        ("Sources/StudyStats/", ["n", "strata"], "statistics code, which never reads result files"),
        ("Sources/StudyReport/", ["p", "coef", "n", "rows"], "column headings and notes of rendered tables"),
        ("Sources/StudyCommands/", ["kind", "stage", "event", "n", "warnings", "steps", "type", "file", "name"],
         "CLI event and graph JSON, not results"),
    ]

    static func otherMeaning(_ key: String, _ file: String) -> Bool {
        otherMeanings.contains { file.hasPrefix($0.folder) && $0.keys.contains(key) }
    }

    /// Every Swift file under Sources/ with the plain string literals it holds.
    static func sources() throws -> [(path: String, literals: Set<String>)] {
        let sources = root.appendingPathComponent("Sources")
        guard let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil) else { return [] }
        var out: [(String, Set<String>)] = []
        for case let url as URL in walker where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            let path = String(url.path.dropFirst(root.path.count + 1))
            out.append((path, Set(SwiftStringLiterals.plain(in: text))))
        }
        return out.sorted { $0.0 < $1.0 }
    }

    @Test("every result key is spelled in one file: its model's, or ResultKey.swift when models share it")
    func oneFilePerKey() throws {
        let files = try Self.sources()
        #expect(files.count > 50, "the scan found \(files.count) files under \(Self.root.path)/Sources")
        var users: [String: [String]] = [:]
        for model in Self.models { for key in Set(model.keys) { users[key, default: []].append(model.type) } }
        for (key, types) in users.sorted(by: { $0.key < $1.key }) {
            let owner = types.count == 1
                ? try #require(files.first { $0.path.hasSuffix("/\(types[0]).swift") }?.path, "no file \(types[0]).swift")
                : Self.sharedFile
            let hits = files.filter { $0.literals.contains(key) }.map(\.path)
            #expect(hits.contains(owner), "result key '\(key)' (\(types.joined(separator: ", "))) is not spelled in \(owner); spell it there")
            let stray = hits.filter { $0 != owner && !Self.otherMeaning(key, $0) }
            #expect(stray.isEmpty, """
                result key '\(key)' is spelled as a string literal in \(stray.joined(separator: ", ")); \
                read and write it through \(types.count == 1 ? "\(types[0]).Key" : "ResultKey") in \(owner)
                """)
        }
    }

    @Test("member names are used only inside the models: elsewhere only the kind tag is read, to recognise a result")
    func keysStayInsideTheModels() throws {
        let modelFiles = Set(Self.models.map { "/\($0.type).swift" })
        let pattern = try NSRegularExpression(pattern: #"\bResultKey\.(?!kind\b)\w+|\b\w+Output\.Key\.\w+"#)
        let sources = Self.root.appendingPathComponent("Sources")
        let walker = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        for case let url as URL in walker where url.pathExtension == "swift" && !modelFiles.contains("/" + url.lastPathComponent) {
            let text = try String(contentsOf: url, encoding: .utf8)
            let uses = pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
            #expect(uses.isEmpty, "\(url.lastPathComponent) names result members itself (\(uses.joined(separator: ", "))); build or read the model instead")
        }
    }

    @Test("the shared-key file holds only keys that several models use")
    func sharedKeysAreShared() throws {
        let shared = try String(contentsOf: Self.root.appendingPathComponent(Self.sharedFile), encoding: .utf8)
        var users: [String: Int] = [:]
        for model in Self.models { for key in Set(model.keys) { users[key, default: 0] += 1 } }
        for key in SwiftStringLiterals.plain(in: shared) {
            #expect(users[key, default: 0] >= 2, "ResultKey spells '\(key)', which \(users[key, default: 0]) model(s) use; move it to that model's Key")
        }
    }

    @Test("each model's key list is exactly the member names its encoder writes", arguments: models.map(\.type))
    func keysMatchEncoding(_ type: String) throws {
        let model = try #require(Self.models.first { $0.type == type })
        var names: Set<String> = []
        Self.collect(model.sample, into: &names)
        #expect(names == Set(model.keys + model.embedded), "written but not listed: \(names.subtracting(model.keys).sorted()); listed but not written: \(Set(model.keys + model.embedded).subtracting(names).sorted())")
    }

    /// Member names of objects, except under members keyed by data (a prevalence per stratum,
    /// rows dropped per column).
    static func collect(_ json: ResultJSON, into names: inout Set<String>) {
        switch json {
        case .array(let items): for item in items { collect(item, into: &names) }
        case .object(let members):
            for (key, value) in members {
                names.insert(key)
                if key == CohortTruthOutput.Key.prevalence || key == IngestSummaryOutput.Key.require { continue }
                collect(value, into: &names)
            }
        default: break
        }
    }

    @Test("the literal scanner sees whole literals, raw ones too, and skips comments, multi-line strings and the text around interpolations")
    func scanner() {
        let text = #"""
            let a = "curves" // "steps"
            /* "n_risk" */ let b = "x \"terms\" y"
            let c = "\(d["median"]) text"
            let e = #"{"hr": 1}"#, g = #"z"#
            let f = """
                "vcov"
                """
            """#
        #expect(Set(SwiftStringLiterals.plain(in: text)) == ["curves", "median", #"x \"terms\" y"#, #"{"hr": 1}"#, "z"])
    }
}

/// The plain string literals of Swift source: whole `"…"` literals without interpolation, found
/// by a small lexer that skips comments and raw and multi-line strings' contents, and scans
/// interpolations as code.
enum SwiftStringLiterals {
    static func plain(in text: String) -> [String] {
        var lexer = Lexer(bytes: Array(text.utf8))
        lexer.code(untilParen: false)
        return lexer.found
    }

    struct Lexer {
        let bytes: [UInt8]
        var at = 0
        var found: [String] = []

        func peek(_ offset: Int = 0) -> UInt8? { at + offset < bytes.count ? bytes[at + offset] : nil }

        mutating func code(untilParen: Bool) {
            var depth = 0
            while let b = peek() {
                switch b {
                case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "/"):
                    while let c = peek(), c != UInt8(ascii: "\n") { at += 1 }
                case UInt8(ascii: "/") where peek(1) == UInt8(ascii: "*"):
                    at += 2
                    while peek() != nil, !(peek() == UInt8(ascii: "*") && peek(1) == UInt8(ascii: "/")) { at += 1 }
                    at += 2
                case UInt8(ascii: "#") where peek(1) == UInt8(ascii: "#") || peek(1) == UInt8(ascii: "\""):
                    rawString()
                case UInt8(ascii: "\""):
                    string()
                case UInt8(ascii: "("):
                    depth += 1
                    at += 1
                case UInt8(ascii: ")"):
                    if untilParen && depth == 0 { at += 1; return }
                    depth -= 1
                    at += 1
                default:
                    at += 1
                }
            }
        }

        /// `"…"` or `"""…"""`; records the contents when there is no interpolation.
        mutating func string() {
            let multiline = peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")
            at += multiline ? 3 : 1
            var content: [UInt8] = []
            var interpolated = false
            while let b = peek() {
                if b == UInt8(ascii: "\\") {
                    if peek(1) == UInt8(ascii: "(") {
                        at += 2
                        interpolated = true
                        code(untilParen: true)
                    } else {
                        content += [b] + (peek(1).map { [$0] } ?? [])
                        at += 2
                    }
                    continue
                }
                if b == UInt8(ascii: "\"") && (!multiline || (peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\""))) {
                    at += multiline ? 3 : 1
                    if !interpolated && !multiline { found.append(String(decoding: content, as: UTF8.self)) }
                    return
                }
                content.append(b)
                at += 1
            }
        }

        /// `#"…"#` (any number of `#`), recorded whole: a raw literal that is exactly a key counts.
        mutating func rawString() {
            var hashes = 0
            while peek() == UInt8(ascii: "#") { hashes += 1; at += 1 }
            guard peek() == UInt8(ascii: "\"") else { return }
            let multiline = peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")
            at += multiline ? 3 : 1
            let close = Array(repeating: UInt8(ascii: "\""), count: multiline ? 3 : 1) + Array(repeating: UInt8(ascii: "#"), count: hashes)
            let start = at
            while at < bytes.count {
                if bytes[at...].starts(with: close) {
                    if !multiline { found.append(String(decoding: bytes[start..<at], as: UTF8.self)) }
                    at += close.count
                    return
                }
                at += 1
            }
        }
    }
}
