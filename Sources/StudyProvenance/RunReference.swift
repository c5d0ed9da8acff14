/// A run named on the command line of `diff` and `log --stage`: a run number of this workspace
/// (`12`), an offset from the newest run as git writes one (`HEAD`, `HEAD~2`, `HEAD^`), or a
/// prefix of at least 4 hex digits of a run id or of a run's commit id.
///
/// Offsets count this workspace's runs, newest first, so `HEAD~1` is the run before the latest
/// one even when other worktrees wrote commits in between on the shared ref.
public enum RunReference {
    /// The offset `text` names (`HEAD` 0, `HEAD~2` 2, `HEAD^^` 2, `HEAD~` 1), nil when it is not one.
    public static func offset(_ text: String) -> Int? {
        let upper = text.uppercased()
        guard upper.hasPrefix("HEAD") else { return nil }
        var rest = Substring(upper.dropFirst(4))
        var total = 0
        while let first = rest.first {
            rest = rest.dropFirst()
            if first == "^" { total += 1; continue }
            guard first == "~" else { return nil }
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            guard digits.count <= 9 else { return nil }
            total += digits.isEmpty ? 1 : Int(digits)!
        }
        return total
    }

    /// The run `reference` names among `runs` (this workspace's runs, newest first). Throws
    /// `RunReferenceError.unknown` listing the runs that exist, or `.ambiguous` listing the fits.
    public static func resolve(_ reference: String, in runs: [LoggedRun]) throws(RunReferenceError) -> LoggedRun {
        if let offset = offset(reference) {
            guard offset < runs.count else { throw .unknown(reference, existing: runs.map(\.label)) }
            return runs[offset]
        }
        let text = reference.lowercased()
        if !text.isEmpty, text.allSatisfy({ $0 >= "0" && $0 <= "9" }), let number = Int(text) {
            let numbered = runs.filter { $0.record.run == number }
            if numbered.count == 1 { return numbered[0] }
            if numbered.count > 1 { throw .ambiguous(reference, candidates: numbered.map(\.label)) }
        }
        let matches = RunLedger.matching(text, in: runs)
        if matches.count == 1 { return matches[0] }
        if matches.count > 1 { throw .ambiguous(reference, candidates: matches.map(\.label)) }
        throw .unknown(reference, existing: runs.map(\.label))
    }
}

/// A run reference that names no run, or several, of this workspace: a usage mistake (exit 2).
public enum RunReferenceError: Error, Equatable, CustomStringConvertible {
    /// Nothing fits; `existing` describes this workspace's runs, newest first.
    case unknown(String, existing: [String])
    /// Several runs fit.
    case ambiguous(String, candidates: [String])
    /// A comparison needs two runs and the workspace has recorded only `run`.
    case onlyOneRun(String)

    /// How many runs an `unknown` message lists before summing up the rest.
    static let listed = 10

    public var description: String {
        switch self {
        case .unknown(let reference, let existing):
            var list = existing.prefix(Self.listed).joined(separator: ", ")
            if existing.count > Self.listed { list += " and \(existing.count - Self.listed) older" }
            let what = existing.isEmpty ? "no run is recorded yet" : "its runs are \(list)"
            return "no run '\(reference)' in this workspace's history; \(what); "
                + "give a run number, HEAD~N (N runs before the latest) or a prefix of a run id or commit id (see 'studyflow log')"
        case .ambiguous(let reference, let candidates):
            return "run '\(reference)' is ambiguous in this workspace's history: it names \(candidates.joined(separator: ", ")); "
                + "give the run id or a longer prefix of it (see 'studyflow log')"
        case .onlyOneRun(let label):
            return "only one run is recorded in this workspace (\(label)); nothing to compare it with: "
                + "run 'studyflow run' again after a change, then 'studyflow diff'"
        }
    }
}
