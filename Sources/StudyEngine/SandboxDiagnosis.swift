import StudyCore

/// Explains why a sandboxed stage failed: the log lines of programs that could not open a file
/// (`No such file or directory`, `can't open 'PATH'`) or write one (`Read-only file system`,
/// `Directory nonexistent`)
/// are searched for a workspace path that exists on the host but was not mounted, and the
/// failure message names it with the fix.
///
/// Pure: the log text, the paths the sandbox showed and a test for host existence come in, a
/// message comes out.
public struct SandboxDiagnosis: Sendable {
    /// Absolute workspace root.
    public var root: String
    /// Workspace-relative (or absolute) paths mounted read-only: the stage's key inputs.
    public var inputs: [String]
    /// Workspace-relative output paths (directories without their trailing slash).
    public var outputs: [String]
    /// `true` when `run --sandbox` sandboxed the stage rather than its `sandbox: true`.
    public var byFlag: Bool

    /// Creates a diagnosis for one stage.
    public init(root: String, inputs: [String], outputs: [String], byFlag: Bool) {
        self.root = root
        self.inputs = inputs
        self.outputs = outputs
        self.byFlag = byFlag
    }

    /// What the failure message adds after "exited with status N": that the stage ran sandboxed,
    /// the workspace path it could not read or write when the log names one, and the fix.
    /// `exists` says whether a workspace-relative path exists on the host.
    public func note(log: String, exists: (String) -> Bool) -> String {
        let optOut = byFlag ? "or run without '--sandbox'" : "or set 'sandbox: false'"
        if let path = blocked(in: log, markers: Self.missingMarkers, writing: false, exists: exists) {
            return "; it ran sandboxed and could not read '\(path)', which is not among its inputs: declare it in 'inputs:' (or name it in 'run:'), \(optOut)"
        }
        if let path = blocked(in: log, markers: Self.writeMarkers, writing: true, exists: exists) {
            return "; it ran sandboxed and could not write '\(path)', which is not among its outputs: declare it in 'outputs:', \(optOut)"
        }
        return "; it ran sandboxed, where only its inputs and the files its command names are visible and only its outputs are writable: declare what else it reads in 'inputs:', \(optOut)"
    }

    /// What programs print for a missing file: libc's `strerror(ENOENT)`, dash's short form,
    /// Python's `can't open file`.
    static let missingMarkers = ["No such file or directory", "No such file", "can't open", "cannot open"]

    /// What programs print for a write the sandbox refused: the read-only workspace skeleton, or
    /// (dash) a directory that is not there because nothing of it was mounted.
    static let writeMarkers = ["Read-only file system", "Directory nonexistent"]

    /// The first workspace path named on a line carrying one of `markers` that the sandbox did
    /// not show: for a read, one that exists on the host; for a write (whose file does not exist),
    /// one quoted or standing right before the message, as in dash's `cannot create x: …`.
    func blocked(in log: String, markers: [String], writing: Bool, exists: (String) -> Bool) -> String? {
        for line in log.split(whereSeparator: \.isNewline) {
            guard let marker = markers.first(where: { line.contains($0) }) else { continue }
            for candidate in Self.candidates(in: String(line), marker: marker, everyWord: !writing) {
                guard let path = workspacePath(candidate), !isVisible(path), writing || exists(path) else { continue }
                return path
            }
        }
        return nil
    }

    /// Quoted parts first (they keep spaces), then the `:`-separated field before the one with
    /// `marker` (with `everyWord`) and its last word; with `everyWord`, then every field and every
    /// word, each stripped of surrounding punctuation.
    static func candidates(in line: String, marker: String, everyWord: Bool) -> [String] {
        var result: [String] = []
        let openers: [Character: Character] = ["'": "'", "\"": "\"", "`": "'", "\u{2018}": "\u{2019}"]
        var open: (close: Character, text: String)?
        for c in line {
            if let current = open {
                if c == current.close { result.append(current.text); open = nil } else { open!.text.append(c) }
            } else if let close = openers[c] {
                open = (close, "")
            }
        }
        let punctuation = "'\"`\u{2018}\u{2019}(),:;[]"
        let fields = line.split(separator: ":").map { $0.trimmingCharacters(in: " ") }
        if let at = fields.firstIndex(where: { $0.contains(marker) }), at > 0 {
            // A whole field may hold a path with spaces; for a write, whose path cannot be
            // checked on the host, only its last word is safe to take.
            if everyWord { result.append(fields[at - 1]) }
            if let last = fields[at - 1].split(separator: " ").last { result.append(last.trimmingCharacters(in: punctuation)) }
        }
        if everyWord {
            result += fields
            result += line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { $0.trimmingCharacters(in: punctuation) }
        }
        return result.filter { !$0.isEmpty }
    }

    /// `candidate` as a clean workspace-relative path, or nil when it is outside the workspace.
    func workspacePath(_ candidate: String) -> String? {
        var text = candidate
        if text.hasPrefix("/") {
            guard text.hasPrefix(root + "/") else { return nil }
            text.removeFirst(root.count + 1)
        }
        guard case .inside(let path, _) = WorkspacePath.normalize(text) else { return nil }
        return path
    }

    /// Whether the sandbox showed `path`: it is an input, inside an input directory, or an output.
    private func isVisible(_ path: String) -> Bool {
        for shown in inputs + outputs where path == shown || path.hasPrefix(shown + "/") { return true }
        return false
    }
}

extension Substring {
    /// The text without leading and trailing characters from `set`.
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let c = s.first, set.contains(c) { s.removeFirst() }
        while let c = s.last, set.contains(c) { s.removeLast() }
        return String(s)
    }
}
