import StudyCore

/// What differs between two recorded runs (`studyflow diff A B`), read from the run ledger alone:
/// the run's own facts, workflow parameters, stage settings, source files, stages, outputs whose
/// bytes changed, and the values that moved inside JSON results.
///
/// Stage records are compared by git blob id first (consecutive runs share unchanged records),
/// then by the key and outputs bytes of the record, and only then parsed: two runs of 10,000
/// stages that agree cost a tree read and a byte comparison a stage.
public struct RunDiff: Sendable {
    /// A run fact or a workflow parameter: `workflow.file`, `params.seed`; nil where absent.
    public struct Fact: Equatable, Sendable {
        /// Dotted name: `workflow.file`, `sourceCommit`, or a parameter's path.
        public var name: String
        /// The value in the older and the newer run.
        public var old: JSONValue?
        public var new: JSONValue?
    }

    /// A stage's declared setting (`with.time`, `run`, `params.threshold`, `inputs.raw`).
    public struct Setting: Equatable, Sendable {
        /// The stage id as declared (a fan-out template's id for its instances).
        public var stage: String
        /// Path inside the declaration: `with.time`, `run`, `params.threshold`.
        public var field: String
        /// The value in the older and the newer run.
        public var old: JSONValue?
        public var new: JSONValue?
    }

    /// A file whose recorded sha256 differs, or that one run has and the other not.
    public struct FileChange: Equatable, Sendable {
        /// Workspace-relative path.
        public var path: String
        /// The stage that wrote it (outputs) or first read it (inputs), in the newer run when present.
        public var stage: String
        /// The file as each run recorded it; nil in the run that lacks it.
        public var old: StageRecord.File?
        public var new: StageRecord.File?
    }

    /// A stage's execution facts on one side of the comparison.
    public struct StageSide: Equatable, Sendable {
        /// `shell` or the built-in kind with its version, the key, status and seconds of the record.
        public var kind: String
        public var key: Digest?
        public var status: String
        public var seconds: Double
    }

    /// A stage in one run only, or whose key, kind, status or outputs differ.
    public struct StageChange: Equatable, Sendable {
        /// Stage id.
        public var stage: String
        /// The stage in each run; nil in the run that lacks it.
        public var old: StageSide?
        public var new: StageSide?
        /// Why, for people: `key 3f9c2a1e0b11 → 77aa01c2d3e4`, `kind survival/cox@2 → survival/cox@3`.
        public var details: [String]
    }

    /// A fan-out instance one run's workflow had and the other's not (from `run.json`'s
    /// `instances`): `instance cox@luad added`.
    public struct InstanceChange: Equatable, Sendable {
        /// The template id (`cox`) and the instance key (`luad`).
        public var template: String
        public var key: String
        /// Whether the newer run has it (added) or only the older one (removed).
        public var added: Bool

        /// The instance's stage id, `cox@luad`.
        public var stage: String { template + "@" + key }
    }

    /// A value that differs inside a JSON output both runs stored.
    public struct ResultChange: Equatable, Sendable {
        /// The JSON output and the value inside it.
        public var file: String
        public var change: JSONResultDiff.Change
    }

    /// A unified diff of a text output both runs stored (`--text`).
    public struct TextChange: Equatable, Sendable {
        /// The output and its `diff -u` text.
        public var path: String
        public var diff: String
    }

    /// What to compare beyond the records.
    public struct Options: Sendable {
        /// Numeric changes within this tolerance are hidden (see `JSONResultDiff.tolerance`).
        public var tolerance: Double
        /// Whether to build unified diffs of text outputs.
        public var text: Bool

        /// Creates options.
        public init(tolerance: Double = 0, text: Bool = false) {
            self.tolerance = tolerance
            self.text = text
        }
    }

    /// The runs compared, older (A) and newer (B) as named.
    public var old: LoggedRun
    public var new: LoggedRun
    /// Run facts that differ (`RunLedger.runFacts`).
    public var run: [Fact] = []
    /// Workflow parameters, the file's with the run's `--param` values over them.
    public var params: [Fact] = []
    /// Stage declarations in the stored workflow files, and resolved params of differing stages.
    public var settings: [Setting] = []
    /// Source files (read, written by no stage) whose sha256 differs.
    public var inputs: [FileChange] = []
    /// Fan-out instances in one run's workflow only, by template then instance order.
    public var instances: [InstanceChange] = []
    /// Stages in one run only, or whose key, kind, status or outputs differ.
    public var stages: [StageChange] = []
    /// Outputs whose sha256 differs, or that one run lacks.
    public var outputs: [FileChange] = []
    /// Values that moved inside `*.json` outputs both runs stored.
    public var results: [ResultChange] = []
    /// Changed outputs whose bytes one run did not store (over 1 MiB, a directory, a failed stage).
    public var unavailable: [String] = []
    public var texts: [TextChange] = []
    /// Stages recorded in both runs with the same key, kind and outputs.
    public var unchangedStages = 0

    /// Whether the runs agree on everything compared (run facts aside).
    public var isEmpty: Bool {
        params.isEmpty && settings.isEmpty && inputs.isEmpty && instances.isEmpty && stages.isEmpty && outputs.isEmpty && results.isEmpty
    }

    /// Workspace paths of every file that differs (inputs and outputs).
    public var changedPaths: Set<String> { Set(inputs.map(\.path) + outputs.map(\.path)) }
}

extension RunDiff.StageSide {
    init(_ record: StageRecord) {
        self.init(kind: record.kind, key: record.key, status: record.status.rawValue, seconds: record.seconds)
    }
}

extension RunLedger {
    /// The differences between `old` and `new` (see `RunDiff`).
    public func diff(_ old: LoggedRun, _ new: LoggedRun, options: RunDiff.Options = .init()) throws -> RunDiff {
        var result = RunDiff(old: old, new: new)
        result.run = Self.runFacts(old.record, new.record)
        result.instances = Self.instanceChanges(old.record.workflow.instances, new.record.workflow.instances)
        var comparison = try StageComparison(ledger: self, old: old, new: new)
        result.unchangedStages = comparison.unchanged
        result.stages = comparison.stageChanges()
        result.outputs = comparison.outputChanges()
        result.inputs = try comparison.inputChanges()
        try compareDeclarations(old, new, records: comparison, into: &result)
        try compareOutputBytes(&result, options: options)
        return result
    }

    /// Instances removed (in the older run's order) then added (in the newer run's), per template
    /// sorted by name; a template only one run has counts all its instances.
    static func instanceChanges(_ old: [String: [String]], _ new: [String: [String]]) -> [RunDiff.InstanceChange] {
        var changes: [RunDiff.InstanceChange] = []
        for template in Set(old.keys).union(new.keys).sorted() {
            let before = old[template] ?? [], after = new[template] ?? []
            let had = Set(before), has = Set(after)
            changes += before.filter { !has.contains($0) }.map { .init(template: template, key: $0, added: false) }
            changes += after.filter { !had.contains($0) }.map { .init(template: template, key: $0, added: true) }
        }
        return changes
    }

    /// One fact per included workflow file: its sha256 in each run (nil where a run lacks it).
    private static func includedFacts(_ a: RunRecord, _ b: RunRecord) -> [(String, JSONValue?, JSONValue?)] {
        let old = Dictionary(a.workflow.includes.map { ($0.path, $0.digest.hex) }, uniquingKeysWith: { $1 })
        let new = Dictionary(b.workflow.includes.map { ($0.path, $0.digest.hex) }, uniquingKeysWith: { $1 })
        return Set(old.keys).union(new.keys).sorted().map { path in
            ("workflow.includes[\(path)].sha256", old[path].map(JSONValue.string), new[path].map(JSONValue.string))
        }
    }

    /// The run facts that differ: workflow file, name and digest, included files, profile, source
    /// commit, version, executor, outcome.
    static func runFacts(_ a: RunRecord, _ b: RunRecord) -> [RunDiff.Fact] {
        func text(_ s: String?) -> JSONValue? { s.map(JSONValue.string) }
        let pairs: [(String, JSONValue?, JSONValue?)] = [
            ("workflow.file", text(a.workflow.file), text(b.workflow.file)),
            ("workflow.name", text(a.workflow.name), text(b.workflow.name)),
            ("workflow.sha256", text(a.workflow.digest.hex), text(b.workflow.digest.hex)),
            ("sourceCommit", text(a.source.commit), text(b.source.commit)),
            ("dirty", a.source.dirty.map(JSONValue.bool), b.source.dirty.map(JSONValue.bool)),
            ("studyflow", text(a.agent.studyflowVersion), text(b.agent.studyflowVersion)),
            ("executor", text(a.agent.executor), text(b.agent.executor)),
            ("outcome", text(a.outcome.rawValue), text(b.outcome.rawValue)),
            ("workflow.profile", text(a.workflow.profile), text(b.workflow.profile)),
        ] + includedFacts(a, b)
        return pairs.filter { $0.1 != $0.2 }.map { RunDiff.Fact(name: $0.0, old: $0.1, new: $0.2) }
    }

    /// The workflow file `run` stored, with the files it included merged in.
    private func document(of run: LoggedRun) throws -> WorkflowDocument? {
        guard var document = try workflowBytes(of: run).flatMap({ WorkflowDocument(bytes: $0) }) else { return nil }
        document.merge(included: try includedFiles(of: run))
        return document
    }

    /// Workflow parameters (the file's `params` with the run's `--param` values over them) and
    /// every stage's declaration in the workflow file each run stored, plus the resolved params
    /// of stages whose records differ.
    func compareDeclarations(_ old: LoggedRun, _ new: LoggedRun, records: StageComparison, into result: inout RunDiff) throws {
        // One workflow file gives both sides' declarations when the runs ran the same bytes.
        let sameFile = old.record.workflow.digest == new.record.workflow.digest && old.record.workflow.includes == new.record.workflow.includes
        let a = sameFile && old.record.workflow.params == new.record.workflow.params ? nil : try document(of: old)
        let b = sameFile ? a : try document(of: new)
        var paramsA = a?.params ?? [:], paramsB = b?.params ?? [:]
        paramsA.merge(old.record.workflow.params) { $1 }
        paramsB.merge(new.record.workflow.params) { $1 }
        for change in JSONResultDiff().changes(from: .object(paramsA), to: .object(paramsB)) {
            result.params.append(.init(name: change.path, old: change.old, new: change.new))
        }
        if let a, let b, !sameFile {
            for stage in Set(a.stages.keys).union(b.stages.keys).sorted() {
                guard let before = a.stages[stage], let after = b.stages[stage] else { continue }
                for change in JSONResultDiff().changes(from: before, to: after) {
                    result.settings.append(.init(stage: stage, field: change.path, old: change.old, new: change.new))
                }
            }
        }
        let declared = Set(result.settings.map { $0.stage + "\u{0}" + $0.field })
        for (stage, pair) in records.changedPairs() {
            for change in JSONResultDiff().changes(from: .object(pair.old.params), to: .object(pair.new.params)) {
                let field = "params." + change.path
                if !declared.contains(stage + "\u{0}" + field) {
                    result.settings.append(.init(stage: stage, field: field, old: change.old, new: change.new))
                }
            }
        }
    }

    /// Values that moved inside JSON outputs, unified diffs of text outputs, and the changed
    /// outputs whose bytes the ledger does not hold.
    func compareOutputBytes(_ result: inout RunDiff, options: RunDiff.Options) throws {
        let comparison = JSONResultDiff(tolerance: options.tolerance)
        for change in result.outputs {
            guard let before = change.old, let after = change.new, before.sha256 != nil, after.sha256 != nil else { continue }
            let a = try storedBytes(result.old, file: before), b = try storedBytes(result.new, file: after)
            guard let a, let b else {
                let why = before.isDirectory || after.isDirectory ? "a directory" : "not stored in the ledger (over 1 MiB)"
                result.unavailable.append("\(change.path): \(why); compared by sha256 only")
                continue
            }
            if change.path.lowercased().hasSuffix(".json"), let x = JSONText.parse(a), let y = JSONText.parse(b),
               Self.isDocument(x), Self.isDocument(y) {
                result.results += comparison.changes(from: x, to: y).map { .init(file: change.path, change: $0) }
            }
            if options.text, let x = Self.text(a), let y = Self.text(b) {
                let diff = UnifiedDiff(old: x, new: y).unified(oldName: "a/" + change.path, newName: "b/" + change.path)
                if !diff.isEmpty { result.texts.append(.init(path: change.path, diff: diff)) }
            }
        }
    }

    static func isDocument(_ value: JSONValue) -> Bool {
        switch value {
        case .object, .array: return true
        default: return false
        }
    }

    /// The bytes as UTF-8 text, nil for binary content (a NUL byte or invalid UTF-8).
    static func text(_ bytes: [UInt8]) -> String? {
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The output's bytes as run `run` stored them (`outputs/PATH` of its commit), nil when not stored.
    func storedBytes(_ run: LoggedRun, file: StageRecord.File) throws -> [UInt8]? {
        guard !file.isDirectory, let blob = try storedOutput(run, path: file.path) else { return nil }
        return blobBytes(blob)
    }
}
